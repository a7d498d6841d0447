"""Where skill premiums are computed: for each role family and level, the pay of the data points that name a
skill against the pay of those that do not, both samples released by the disclosure rule and stored.

Like for like, country by country: pay differs far more between countries than between skills, so a
worldwide split would mostly measure where each skill's postings are (a median of two countries' pay can
jump from one to the other). The overall premium (insights.selectors.skill_premiums) weighs the countries
where both samples are published by their released sample sizes.

Data points are the all-time market ranges': each visible posting's base midpoint, its company its
contributor, its skills as stored on it; every survey record, its own contributor, its skills read from its
job title. All time rather than 12 months, because surveys are yearly and a skill split halves a sample
twice over. Both samples are released as market ranges are
(`insights.disclosure.release_sample`): noise from the sum of their points' disclosure keys, withheld below the
rule. The premium is worked out from the two released medians only.

When a difference is within noise: each released median has an uncertainty interval of its sampling error,
1.57 × (p75 − p25) / √n (the notch of a notched box plot, McGill, Tukey & Larsen 1978, about a 95% interval
for comparing two medians), plus the most the disclosure noise can move it (2a of its value, a from
`noise_bounds`). Two medians whose intervals overlap are within noise of each other.

The whole table is recomputed at once (a few seconds at a million postings, one pass sorted by role and level,
memory of one partition): by beat every SKILL_PREMIUMS_SECONDS, and by `rebuild_market_ranges`.
"""

import heapq
import math
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.db import transaction
from django.utils import timezone

from insights.disclosure import KEY_SPACE, Sample, noise_bounds, release_sample, rule_problem
from insights.models import SkillPremium
from insights.percentiles import FRACTIONS, percentile_cont
from salaries.skills import SKILLS, skills_in_title

NOTCH = Decimal("1.57")


def _points(now):
    """(role, level, country, pay, contributor, key, skills) sorted by role, level and country."""
    from jobs.models import JobPosting
    from salaries.models import SalaryObservation

    postings = (
        JobPosting.objects.market_points(now)
        .order_by("role_family", "level", "country")
        .values_list("role_family", "level", "country", "salary_mid_usd", "company_id", "disclosure_key", "skills")
    )
    records = (
        SalaryObservation.objects.all()
        .order_by("role_family", "level", "country")
        .values_list("role_family", "level", "country", "salary_usd", "id", "disclosure_key", "job_title")
    )
    posting_rows = (
        (role, level, country, pay, company, key, frozenset(skills or ()))
        for role, level, country, pay, company, key, skills in postings.iterator(chunk_size=10_000)
    )
    record_rows = (
        (role, level, country, pay, -record, key, frozenset(skills_in_title(title)))
        for role, level, country, pay, record, key, title in records.iterator(chunk_size=10_000)
    )
    return heapq.merge(posting_rows, record_rows, key=itemgetter(0, 1, 2))


def _sample(points: list[tuple]) -> Sample:
    pays = sorted(Decimal(p[0]) for p in points)
    counts: dict[int, int] = {}
    key = 0
    for _, contributor, point_key in points:
        counts[contributor] = counts.get(contributor, 0) + 1
        key += point_key
    top = max(counts.values()) if counts else 0
    return Sample(
        n=len(pays), contributors=len(counts),
        top_share=(Decimal(top) / len(pays)).quantize(Decimal("0.0001")) if pays else Decimal(0),
        percentiles={name: percentile_cont(pays, fraction) for name, fraction in FRACTIONS.items()} if pays else {},
        key=key % KEY_SPACE,
    )  # fmt: skip


def _release(points) -> tuple[bool, str, dict]:
    sample = _sample(points)
    problem = rule_problem(sample.n, sample.contributors, sample.top_share)
    if problem:
        return False, problem, {}
    return True, "", release_sample(sample)


def half_width(release: dict) -> float:
    """How far a released median may be from the true one: its notch plus the most the noise moves it."""
    n, median = release["sample_size"], release["p50"]
    return float(NOTCH) * (release["p75"] - release["p25"]) / math.sqrt(n) + 2 * noise_bounds(n)[0] * median


def _interval(release: dict) -> tuple[float, float]:
    half = half_width(release)
    return release["p50"] - half, release["p50"] + half


def skill_premiums_recompute(*, now=None) -> int:
    now = now or timezone.now()
    rows = []
    for (role, level, country), group in groupby(_points(now), key=itemgetter(0, 1, 2)):
        points = [(pay, contributor, key, skills) for _, _, _, pay, contributor, key, skills in group]
        named = {skill for *_, skills in points for skill in skills}
        for skill in (s for s in SKILLS if s in named):
            with_skill = [p[:3] for p in points if skill in p[3]]
            without = [p[:3] for p in points if skill not in p[3]]
            with_ok, with_reason, with_release = _release(with_skill)
            without_ok, without_reason, without_release = _release(without)
            premium = within = None
            if with_ok and without_ok:
                premium = (Decimal(with_release["p50"]) / Decimal(without_release["p50"]) - 1) * 100
                premium = premium.quantize(Decimal("0.1"))
                (low_a, high_a), (low_b, high_b) = _interval(with_release), _interval(without_release)
                within = low_a <= high_b and low_b <= high_a
            rows.append(SkillPremium(
                role_family=role, level=level, skill=skill, country=country, with_published=with_ok, with_withheld_reason=with_reason,
                with_release=with_release, without_published=without_ok, without_withheld_reason=without_reason,
                without_release=without_release, premium_pct=premium, within_noise=within, computed_at=now,
            ))  # fmt: skip
    with transaction.atomic():
        SkillPremium.objects.all().delete()
        SkillPremium.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
