"""An outsider collects every public market figure and combines them (tests/insights/attacker.py); nothing
protected comes out closer than a guess from the published ranges would put it.

The market is thin on purpose: six places, companies of every size and several sectors, one company that pays
half as much again as the rest, survey records, and postings that close between two daily snapshots, so the
history holds releases of data that is no longer visible. The same attack on exact figures (what the API gave
before releases) recovers the protected groups: the test can fail.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from insights.disclosure import PERCENTILES, TAIL_MIN_SAMPLE, noise_bounds
from insights.models import MarketRange
from insights.services import market_ranges_rebuild, market_ranges_snapshot
from jobs import services
from jobs.models import CompanyMembership
from tests.factories import CompanyFactory, PublishedPostingFactory
from tests.insights import attacker
from tests.insights.public_figures import every_job, every_range, follow
from tests.insights.releases import within_release_noise

PLACES = [("US", "Seattle"), ("US", "Austin"), ("US", ""), ("CA", "Toronto"), ("DE", "Berlin"), ("GB", "London")]
SECTORS = ("any", "technology", "finance", "healthcare")
SURVEY_HEADER = (
    "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
    "employee_residence,remote_ratio,company_location,company_size"
)


def import_survey(tmp_path, rows: list[str]) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("\n".join([SURVEY_HEADER, *rows]) + "\n")
    call_command("import_salaries", str(survey), "--format", "aijobs", "--report", str(tmp_path / "report.csv"))


FAMILIES = {"ml_engineer": "Machine Learning Engineer", "data_scientist": "Data Scientist",
            "data_engineer": "Data Engineer"}  # fmt: skip


def thin_market(tmp_path, seed: int, *, per_partition: int = 40):
    """A market full of thin segments, in six role families and levels; returns the postings that will close."""
    rng = random.Random(seed)
    companies = [
        CompanyFactory(size_band=rng.choice(["startup", "mid_size", "large"]),
                       industry=rng.choice(["Software", "Software", "Fintech", "Biotech", ""]))
        for _ in range(9)
    ]  # fmt: skip
    generous = CompanyFactory(size_band="large", industry="Software")  # pays half as much again
    postings = []
    for family in FAMILIES:
        for level in ("senior", "staff"):
            for index in range(per_partition):
                company = generous if index % 8 == 0 else rng.choice(companies)
                country, city = rng.choice(PLACES)
                base = rng.randrange(110_000, 190_000, 1_000) * (Decimal("1.5") if company == generous else 1)
                postings.append(
                    PublishedPostingFactory(
                        company=company, country=country, city=city, role_family=family, level=level,
                        remote_policy=rng.choice(["onsite", "onsite", "remote"]), salary_min=base,
                        salary_max=base + rng.randrange(0, 40_000, 1_000),
                    )
                )  # fmt: skip
    year = date.today().year
    import_survey(
        tmp_path,
        [
            f"{year},SE,FT,{title},{s},USD,{s},US,0,US,M"
            for title in FAMILIES.values()
            for s in range(140_000, 180_000, 5_000)
        ],
    )
    market_ranges_rebuild()
    return rng.sample(postings, 15)


def collect(api) -> tuple[dict, dict]:
    """Everything an anonymous client can list: every range, and every range's history."""
    listed = every_range(api, sectors=SECTORS)
    history = {key: api.get(f"/api/v1/market-ranges/{key}/history/").json()["history"] for key in listed}
    return listed, history


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_no_combination_of_public_figures_recovers_a_protected_group(api, tmp_path, seed):
    closing = thin_market(tmp_path, seed)
    yesterday = (timezone.now() - timedelta(days=1)).date()
    points = attacker.points_now()  # including the postings about to close
    published_yesterday = list(MarketRange.objects.filter(published=True).values_list("key", flat=True))
    members_yesterday = {key: attacker.members_now(key) for key in published_yesterday}
    market_ranges_snapshot(day=yesterday)
    for posting in closing:
        member = CompanyMembership.objects.filter(company=posting.company).first().user
        services.posting_close(posting=posting, user=member)
    market_ranges_rebuild()
    market_ranges_snapshot()

    listed, history = collect(api)
    today = attacker.figures_from_public(listed)
    for figure in today:
        figure.members = attacker.members_now(figure.label)
    before = attacker.figures_from_history(history, yesterday.isoformat())
    for figure in before:
        figure.members = members_yesterday[figure.label.split("@")[0]]
    figures = today + before
    assert len(today) > 200 and len(before) > 200  # not vacuous: plenty is published, and history has it

    totals = attacker.figures_from_public(listed, totals=True)
    for figure in totals:
        figure.members = attacker.members_now(figure.label, totals=True)
    outcomes = [
        attacker.attack_differences(figures, points),
        attacker.attack_linear_system(figures, points),
        attacker.attack_differences(totals, points, totals=True),
    ]
    for outcome in outcomes:
        assert outcome.targets >= 30, outcome  # the data holds protected groups for the attacks to aim at
        # The attack is no better than guessing each group is typical of the ranges that hold it.
        assert not outcome.better_than_guessing(), outcome


@pytest.mark.django_db
def test_the_same_attack_on_exact_figures_recovers_protected_groups(api, moderator, as_user, tmp_path):
    """What the API published before releases (exact sample sizes and means) gives the groups away."""
    thin_market(tmp_path, 1)
    points = attacker.points_now()
    exact_view = every_range(as_user(moderator), sectors=SECTORS)
    figures = attacker.figures_from_public(exact_view)
    sums = {}
    for figure in figures:
        figure.members = attacker.members_now(figure.label)
        exact = exact_view[figure.label]["exact"]
        sums[figure.label] = exact["sample_size"] * float(exact["mean"])
    differences = attacker.attack_differences(figures, points, exact_sums=sums)
    assert differences.targets >= 10 and differences.rate == 1.0, differences  # every difference, to the cent
    system = attacker.attack_linear_system(figures, points, exact_sums=sums)
    assert system.exact >= 8, system  # every group the system pins down, to the dollar
    # The same figures as released: nothing.
    assert not attacker.attack_differences(figures, points).better_than_guessing()
    assert not attacker.attack_linear_system(figures, points).better_than_guessing()


@pytest.mark.django_db
def test_percentiles_of_few_points_are_never_a_points_value(api, tmp_path):
    """At n = 5 the p25, p50 and p75 are the 2nd, 3rd and 4th values. Every public percentile is moved from
    its exact value by at least the noise of its sample size (then rounded), so inverting them pins nobody."""
    thin_market(tmp_path, 3)
    listed = every_range(api, sectors=SECTORS)
    checked = small = 0
    for key, item in listed.items():
        if not item["published"]:
            continue
        stored = MarketRange.objects.get(key=key)
        for name in PERCENTILES:
            value = item["base_pay"][name]
            if value is not None:
                assert within_release_noise(value, getattr(stored, name), n=stored.sample_size), (key, name)
                low, _ = noise_bounds(stored.sample_size)
                assert abs(value - float(getattr(stored, name))) >= low * float(getattr(stored, name)) - 50
                checked += 1
        small += stored.sample_size < TAIL_MIN_SAMPLE
        if stored.sample_size < TAIL_MIN_SAMPLE:
            assert item["base_pay"]["p10"] is None and item["base_pay"]["p90"] is None
    assert checked > 100 and small > 10


@pytest.mark.django_db
def test_contexts_and_claims_show_only_released_figures(api, tmp_path):
    """Everything derived (salary contexts, peers, claims) is built from releases: each figure it shows is a
    release's own figure, so combining them adds nothing to what the range listing already gives."""
    thin_market(tmp_path, 4)
    listed = every_range(api, sectors=SECTORS)
    released = {key: item["base_pay"] for key, item in listed.items() if item["published"]}
    contexts = 0
    for job in every_job(api):
        context = api.get(f"/api/v1/jobs/{job['id']}/").json()["salary_context"]  # peers are on the detail page
        assert {key: value for key, value in context.items() if key != "peers"} == job["salary_context"]
        if context["status"] != "ok":
            assert context["segment"]["key"] not in released or not listed[context["segment"]["key"]]["published"]
            continue
        for shown in [context, *(peer for peer in context["peers"].values() if peer["status"] == "ok")]:
            key = shown["segment"]["key"]
            assert key in released, key
            assert {k: shown["market_usd"][k] for k in ("p10", "p25", "p50", "p75", "p90")} == {
                k: released[key][k] for k in ("p10", "p25", "p50", "p75", "p90")
            }
            assert shown["sample_size"] == listed[key]["sample_size"]
            contexts += 1
    assert contexts > 20
    for claim in follow_claims(api):
        for cell in claim["observed"]["cells"]:
            for side in ("startup", "large"):
                key = f"ml_engineer:{cell['level']}:country:{cell['country']}:{side}:any:all"
                if cell[side]["published"]:
                    assert cell[side]["median_usd"] == released[key]["p50"]
                else:
                    assert cell[side]["median_usd"] is None


def follow_claims(api) -> list[dict]:
    from salaries.services.benchmarks import benchmarks_load_seed_articles

    benchmarks_load_seed_articles()
    return api.get("/api/v1/claims/").json()


@pytest.mark.django_db
def test_totals_from_one_company_are_withheld_even_when_survey_records_make_base_pay_public(
    api, moderator, as_user, tmp_path
):
    """Total compensation rests on postings alone: six survey respondents make the US base range public
    (11 points, 7 contributors, the largest 5 of 11), but its totals would be one company's five packages."""
    year = date.today().year
    import_survey(tmp_path, [f"{year},SE,FT,Machine Learning Engineer,{s},USD,{s},US,0,US,M"
                             for s in range(150_000, 180_000, 5_000)])  # fmt: skip
    one_company = CompanyFactory(size_band="large")
    for salary in range(200_000, 250_000, 10_000):
        PublishedPostingFactory(
            company=one_company, country="US", city="", salary_min=salary, salary_max=salary + 20_000
        )
    market_ranges_rebuild()

    key = "ml_engineer:senior:country:US:any:any:12m"
    stored = MarketRange.objects.get(key=key)
    counts = (stored.sample_size, stored.company_count, stored.total_sample_size, stored.total_company_count)
    assert counts == (11, 7, 5, 1)
    assert stored.published and not stored.total_published
    query = {"role": "ml_engineer", "level": "senior", "country": "US"}
    [public] = [r for r in follow(api, "/api/v1/market-ranges/", query) if r["segment"]["key"] == key]
    assert public["base_pay"]["p50"] is not None
    assert public["total_compensation"] is None and "contributors" in public["total_withheld_reason"]
    [seen] = [r for r in as_user(moderator).get("/api/v1/market-ranges/", query).json()["results"]]
    assert Decimal(str(seen["exact"]["total_p50"])) == stored.total_p50  # moderators see everything
    # Nor does a posting's salary context compare a package with that one company's other packages.
    for job in api.get("/api/v1/jobs/", {"country": "US"}).json()["results"]:
        assert (job["salary_context"] or {}).get("total_compensation") is None


@pytest.mark.django_db
def test_insights_show_only_released_figures(api, tmp_path, django_capture_on_commit_callbacks):
    """The insight endpoints (leaderboards, startups against big tech, the public reports) are post-processing of
    releases: every pay figure and count they show is the named segment's released one, and a withheld segment
    shows none, so an outsider who adds them to the range listing learns nothing more."""
    from insights.services.reports import reports_publish_weekly

    thin_market(tmp_path, 5)
    market_ranges_snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        reports_publish_weekly()
    listed = every_range(api, sectors=SECTORS)

    def assert_released(key, figures):
        item = listed.get(key)
        if figures.get("p50") is None and figures.get("median_usd") is None:
            return
        assert item is not None and item["published"], key
        base = item["base_pay"]
        for name in PERCENTILES:
            if figures.get(name) is not None:
                assert figures[name] == base[name], (key, name)
        for name, released in (("median_usd", "p50"), ("p25_usd", "p25"), ("p75_usd", "p75")):
            if name in figures:
                assert figures[name] == base[released], (key, name)
        if figures.get("sample_size") is not None:
            assert figures["sample_size"] == item["sample_size"], key

    checked = 0
    for family in FAMILIES:
        for level in ("senior", "staff"):
            for by in ("city", "country", "sector"):
                for row in api.get(f"/api/v1/insights/leaderboard/?by={by}&role={family}&level={level}").json()[
                    "results"
                ]:
                    assert_released(row["segment"]["key"], row)
                    checked += 1
        for place in ("US", "world", "north_america"):
            body = api.get(f"/api/v1/insights/startup-vs-bigtech/?role={family}&place={place}&window=12m").json()
            for row in body["sections"][0]["rows"]:
                for side in ("startup", "large"):
                    assert_released(row[side]["key"], row[side])
                    checked += row[side]["published"]
    for report in follow(api, "/api/v1/reports/", {"public": "true"}):
        result = api.get(report["links"]["api"]).json()["result"]
        for section in result["sections"]:
            if section["id"] == "history":
                continue  # releases of earlier days: the snapshot test covers them
            for row in section["rows"]:
                assert_released(row["key"], row)
                checked += row["published"]
    assert checked > 30
