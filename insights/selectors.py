"""Reads of market ranges: the salary context shown beside each posting, and range listings."""

import dataclasses
import functools
import math
import operator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot
from insights.percentiles import percentile_rank
from insights.regions import COUNTRIES_IN
from insights.segments import CITY, COUNTRY, REGION, SECTOR_CUT, SIZE_CUT, Segment, country_segment
from jobs.models import JobPosting
from salaries.models import SalaryObservation
from salaries.money import BASE_CURRENCY, Rate, from_usd, latest_rates

MARKET_SOURCE = (
    "Computed from job postings published on this board (the midpoint of each posted range) "
    "and imported salary-survey records, in annual USD."
)


def market_ranges_list() -> QuerySet:
    return MarketRange.objects.order_by("role_family", "level", "scope", "place")


@dataclass(frozen=True)
class _Sample:
    """The data points a subtraction can expose, as a range stores their counts: all of them (base pay:
    postings and survey records), or the postings' total compensation alone. Totals come from postings
    only, so the US total less Seattle's total is the pay of the US postings outside Seattle even when
    survey records make the base-pay difference safe; and a range of postings alone shows the same points
    in its base pay. So every difference must pass the rule on both samples."""

    name: str
    size: str  # MarketRange field names
    contributors: str
    share: str
    with_surveys: bool

    def own_problem(self, market_range: MarketRange) -> str | None:
        if self.with_surveys:
            return market_range.publishability_problem
        return market_range.publishability_problem or market_range.total_publishability_problem

    def counts(self, market_range: MarketRange) -> tuple[int, int]:
        return getattr(market_range, self.size), getattr(market_range, self.contributors)

    def largest(self, market_range: MarketRange) -> int:
        """At most this many data points come from the largest contributor: the share is stored to 4
        decimal places, rounded by up to 0.00005, and the count is a whole number."""
        n = getattr(market_range, self.size)
        return min(math.floor((getattr(market_range, self.share) + Decimal("0.00005")) * n), n)


ALL_POINTS = _Sample("pay", "sample_size", "company_count", "top_company_share", with_surveys=True)
POSTED_TOTALS = _Sample(
    "total compensation", "total_sample_size", "total_company_count", "total_top_company_share", with_surveys=False
)
SAMPLES = (ALL_POINTS, POSTED_TOTALS)


def publication_problems(ranges) -> dict[str, str | None]:
    """Why the public may not see each range's numbers (None: it may), in a few queries plus rare checks.

    A range must pass its own rule (MarketRange.publishability_problem) and must not, beside other
    published ranges, give away the pay of a few companies by subtraction. With sample sizes and means
    published, n(A)·mean(A) − n(S)·mean(S) is the pay total of the points in A but not in S; and A minus
    all its published parts along one cut (Segment.cuts: size bands, sectors, the places inside it)
    is the pay total of the parts that are withheld. Each such difference must itself pass the rule: none
    or at least 5 points, at least 3 contributors, none supplying more than half, among all the points and
    among the postings' totals alone (_Sample). The narrower ranges are the ones withheld: their numbers
    are nearly the wider one's, so the public loses least.
    """
    problems = _nested_pair_problems(ranges)
    _withhold_parts_that_reveal_the_rest(ranges, problems)
    return problems


def _nested_pair_problems(ranges) -> dict[str, str | None]:
    """Each range's own rule, then the difference from every wider range holding all its points."""
    problems = {r.key: r.publishability_problem for r in ranges}
    containing = {r.key: [s.key for s in Segment.from_key(r.key).containing()] for r in ranges if not problems[r.key]}
    wanted = {key for keys in containing.values() for key in keys}
    wider = {r.key: r for r in MarketRange.objects.filter(key__in=wanted)} if wanted else {}
    for market_range in ranges:
        for key in containing.get(market_range.key, []):
            outer = wider.get(key)
            if outer is None:
                continue
            shown = [sample for sample in SAMPLES if sample.own_problem(outer) is None]
            revealing = next((s for s in shown if _difference_reveals(outer, market_range, s)), None)
            if revealing is not None:
                problems[market_range.key] = (
                    f"beside the wider segment {key} it would reveal the {revealing.name} of too few companies"
                )
                break
    return problems


def _difference_reveals(outer: MarketRange, inner: MarketRange, sample: _Sample) -> bool:
    """Whether the points of `sample` in `outer` but not in `inner` fail the publication rule."""
    (outer_n, outer_contributors), (inner_n, inner_contributors) = sample.counts(outer), sample.counts(inner)
    n = outer_n - inner_n
    if n == 0:
        return False  # the same points: nothing new
    if 0 < n < settings.MARKET_MIN_SAMPLE_SIZE:
        return True
    outer_segment, inner_segment = Segment.from_key(outer.key), Segment.from_key(inner.key)
    if dataclasses.replace(inner_segment, window=outer_segment.window) == outer_segment:
        return False  # all time less 12 months: survey records from before, each its own contributor
    # Bounds from the stored counts settle most pairs without reading data: the outer segment's largest
    # contributor bounds the difference's largest; the difference's contributors number at least those
    # only in the outer segment, and at least its points over that largest.
    largest_bound = min(sample.largest(outer), n)
    at_least = max(outer_contributors - inner_contributors, _at_least_contributors(n, largest_bound))
    if n > 0 and at_least >= settings.MARKET_MIN_COMPANIES and 2 * largest_bound <= n:
        return False
    return difference_problem(outer_segment, inner_segment, with_surveys=sample.with_surveys) is not None


def _withhold_parts_that_reveal_the_rest(ranges, problems: dict[str, str | None]) -> None:
    """Complementary suppression along each cut: when a publishable wider range minus its publishable
    parts leaves too little (say one large company beside published startup and mid-size figures), the
    smallest publishable parts are withheld too, one by one, until what is left passes the rule.

    The choice depends only on the stored ranges of that cut, so every request withholds the same parts.
    Parts are taken as shown when they pass their own rule; a part withheld for another reason only makes
    what is left larger, so the check errs towards withholding."""
    cuts: dict[tuple[str, Segment], list[str]] = {}
    for market_range in ranges:
        if problems[market_range.key] is None:
            for cut in Segment.from_key(market_range.key).cuts():
                cuts.setdefault(cut, []).append(market_range.key)
    if not cuts:
        return
    parents = {r.key: r for r in MarketRange.objects.filter(key__in={wider.key for _, wider in cuts})}
    cuts = {cut: keys for cut, keys in cuts.items() if (p := parents.get(cut[1].key)) and p.is_publishable}
    found: dict[str, MarketRange] = {}  # by key: a row can answer the queries of several batches
    queries = [_parts_query(*cut) for cut in cuts]
    for start in range(0, len(queries), 100):
        condition = functools.reduce(operator.or_, queries[start : start + 100])
        found |= {part.key: part for part in MarketRange.objects.filter(condition, sample_size__gt=0)}
    parts: dict[tuple[str, Segment], list[MarketRange]] = {cut: [] for cut in cuts}
    for part in found.values():
        for cut in Segment.from_key(part.key).cuts():
            if cut in parts:
                parts[cut].append(part)
    for cut, keys in cuts.items():
        wider, withheld = parents[cut[1].key], set()
        for sample in SAMPLES:
            if sample.own_problem(wider) is None:
                withheld |= _parts_to_withhold(cut, wider, parts[cut], sample, withheld)
        for key in withheld.intersection(keys):
            problems[key] = (
                f"beside the wider segment {cut[1].key} and its other published {cut[0]} parts "
                "it would reveal the pay of too few companies"
            )


def _parts_query(dimension: str, wider: Segment) -> Q:
    """Rows that may be parts of `wider` cut along `dimension` (a superset; Segment.cuts decides)."""
    same = Q(role_family=wider.role_family, level=wider.level, remote=wider.remote, window=wider.window)
    if dimension == SIZE_CUT:
        return same & Q(scope=wider.scope, place=wider.place, sector=wider.sector) & ~Q(size_band="")
    if dimension == SECTOR_CUT:
        return same & Q(scope=wider.scope, place=wider.place, size_band=wider.size_band) & ~Q(sector="")
    same &= Q(size_band=wider.size_band, sector=wider.sector)
    if wider.scope == COUNTRY:
        return same & Q(scope=CITY, place__startswith=f"{wider.place}.")
    if wider.scope == REGION:
        return same & Q(scope=COUNTRY, place__in=sorted(COUNTRIES_IN.get(wider.place, ())))
    return same & Q(scope__in=[REGION, COUNTRY])


def _parts_to_withhold(
    cut: tuple[str, Segment], wider: MarketRange, parts: list[MarketRange], sample: _Sample, already: set[str]
) -> set[str]:
    """The parts to withhold, smallest first, so that `wider` less the rest passes the rule on `sample`.
    A part counts as shown when its base pay is (for totals too: a range of postings alone shows the
    same points in its base pay), unless `already` withheld."""
    shown = sorted(
        (p for p in parts if p.is_publishable and p.key not in already), key=lambda p: (p.sample_size, p.key)
    )
    hidden = [p for p in parts if not p.is_publishable or p.key in already]
    withheld = set()
    while shown and _rest_reveals(cut, wider, shown, hidden, sample):
        part = shown.pop(0)
        withheld.add(part.key)
        hidden.append(part)
    return withheld


def _rest_reveals(
    cut: tuple[str, Segment], wider: MarketRange, shown: list[MarketRange], hidden, sample: _Sample
) -> bool:
    """Whether the points of `sample` in `wider` and in none of the `shown` parts fail the publication rule.

    Those points are the `hidden` parts' plus any in no part (a posting without a city, say); the parts of
    one cut share no point, so the sample sizes add up. Bounds from the stored counts settle nearly every
    cut without reading data. The rest's largest contributor has at most the wider range's largest, and at
    most the hidden parts' largest added up plus every point in no part (for size bands and sectors, the
    largest of those). Its contributors number at least its largest hidden part's, at least the wider
    range's less the shown parts' (exactly that for size bands and sectors, since a company has one of
    each), and at least its points over its largest contributor's. Otherwise (or when the stored counts
    are mid-update) the data is read."""
    size = {p.key: sample.counts(p)[0] for p in [*shown, *hidden]}
    companies = {p.key: sample.counts(p)[1] for p in [*shown, *hidden]}
    wider_size, wider_companies = sample.counts(wider)
    n = wider_size - sum(size[p.key] for p in shown)
    if n == 0:
        return False
    minimum, min_companies = settings.MARKET_MIN_SAMPLE_SIZE, settings.MARKET_MIN_COMPANIES
    if 0 < n < minimum:
        return True
    outside = n - sum(size[p.key] for p in hidden)
    if outside == 0 and len(hidden) == 1:  # what is left is that one part
        return sample.own_problem(hidden[0]) is not None
    if n > 0 and outside >= 0:
        exact = cut[0] in (SIZE_CUT, SECTOR_CUT)
        beyond_shown = wider_companies - sum(companies[p.key] for p in shown)
        hidden_largest = [sample.largest(p) for p in hidden]
        if exact:  # each company is in one part: the largest is one part's largest, or in no part
            largest = min(sample.largest(wider), max([outside, *hidden_largest]), n)
        else:
            largest = min(sample.largest(wider), outside + sum(hidden_largest), n)
        at_least = max([beyond_shown, *(companies[p.key] for p in hidden), _at_least_contributors(n, largest)])
        if at_least >= min_companies and 2 * largest <= n:
            return False
        if exact and beyond_shown < min_companies:
            return True
    parts = [Segment.from_key(p.key) for p in shown]
    return rest_problem(cut[0], cut[1], parts, with_surveys=sample.with_surveys) is not None


def _at_least_contributors(points: int, largest: int) -> int:
    """However they are shared out, `points` data points with at most `largest` from any one contributor come
    from at least this many contributors."""
    return -(-points // largest) if largest > 0 else 0


def difference_problem(outer: Segment, inner: Segment, *, with_surveys=True, now=None) -> str | None:
    """The publication rule applied to the data points of `outer` that are not in `inner` (without survey
    records: the postings' totals alone)."""
    now = now or timezone.now()
    postings = (
        JobPosting.objects.visible(now)
        .in_segment(outer)
        .exclude(pk__in=JobPosting.objects.in_segment(inner).values("pk"))
    )
    today = now.date()
    surveyed = SalaryObservation.objects.in_segment(outer, today=today).exclude(
        pk__in=SalaryObservation.objects.in_segment(inner, today=today).values("pk")
    )
    return _rule_problem(postings, surveyed, with_surveys=with_surveys)


def rest_problem(dimension: str, wider: Segment, parts: list[Segment], *, with_surveys=True, now=None) -> str | None:
    """The publication rule applied to the data points of `wider` in none of `parts` (its parts along
    `dimension`, as Segment.cuts names them; without survey records: the postings' totals alone)."""
    now = now or timezone.now()
    postings = JobPosting.objects.visible(now).in_segment(wider)
    surveyed = SalaryObservation.objects.in_segment(wider, today=now.date())
    if dimension == SIZE_CUT:
        bands = [part.size_band for part in parts]
        postings, surveyed = postings.exclude(company__size_band__in=bands), surveyed.exclude(company_size__in=bands)
    elif dimension == SECTOR_CUT:
        postings = postings.exclude(company__sector__in=[part.sector for part in parts])  # surveys have none
    elif wider.scope == COUNTRY:
        postings = postings.exclude(city_slug__in=[part.city_slug for part in parts])  # surveys have no city
    else:
        countries = {c for part in parts for c in ([part.place] if part.scope == COUNTRY else COUNTRIES_IN[part.place])}
        postings, surveyed = postings.exclude(country__in=countries), surveyed.exclude(country__in=countries)
    return _rule_problem(postings, surveyed, with_surveys=with_surveys)


def _rule_problem(postings: QuerySet, surveyed: QuerySet, *, with_surveys: bool) -> str | None:
    """The publication rule applied to these postings and survey records taken together (or to the
    postings' totals alone)."""
    if not with_surveys:
        postings = postings.filter(total_comp_mid_usd__isnull=False)
    per_company = list(postings.values("company_id").annotate(n=Count("id")).values_list("n", flat=True))
    surveys = surveyed.count() if with_surveys else 0
    n, contributors = sum(per_company) + surveys, len(per_company) + surveys
    largest = max([*per_company, 1 if surveys else 0])
    if 0 < n < settings.MARKET_MIN_SAMPLE_SIZE or (n and contributors < settings.MARKET_MIN_COMPANIES):
        return "too few data points or contributors"
    if n and largest * 2 > n:
        return "one company supplies more than half of the data points"
    return None


def nearest_publishable_wider(ranges, problems: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """For each range the public may not see, the key of the nearest wider segment it may see."""
    problems = problems if problems is not None else publication_problems(ranges)
    chains = {r.key: [s.key for s in Segment.from_key(r.key).widening()[1:]] for r in ranges if problems[r.key]}
    wanted = {key for chain in chains.values() for key in chain}
    candidates = list(MarketRange.objects.filter(key__in=wanted)) if wanted else []
    outer_problems = publication_problems(candidates)
    publishable = {key for key, problem in outer_problems.items() if problem is None}
    return {key: next((k for k in chain if k in publishable), None) for key, chain in chains.items()}


CONFIDENCE_RULE = (
    "high: at least 100 data points, at least half of them from the last 12 months; "
    "medium: at least 20 data points, at least a quarter from the last 12 months; "
    "low: any other range with enough data to publish."
)


def market_range_confidence(market_range: MarketRange) -> str:
    """How far to trust a range, from its sample size and how recent its data is (CONFIDENCE_RULE)."""
    n, recent = market_range.sample_size, market_range.recent_count
    if n >= 100 and recent * 2 >= n:
        return "high"
    if n >= 20 and recent * 4 >= n:
        return "medium"
    return "low"


def market_range_provenance(market_range: MarketRange) -> dict:
    return {
        "kind": "computed",
        "source": MARKET_SOURCE,
        "sample_size": market_range.sample_size,
        "posting_count": market_range.posting_count,
        "observation_count": market_range.observation_count,
        "as_of": market_range.computed_at,
    }


def _position(midpoint_usd: Decimal, market_range: MarketRange) -> dict:
    curve = [(Decimal(p), getattr(market_range, f"p{p}")) for p in (10, 25, 50, 75, 90)]
    percentile = percentile_rank(midpoint_usd, curve)
    if midpoint_usd < market_range.p25:
        label = "below"
    elif midpoint_usd > market_range.p75:
        label = "above"
    else:
        label = "within"
    return {
        "midpoint_annual_usd": midpoint_usd,
        "midpoint_percentile": percentile.quantize(Decimal("0.1")),
        # Outside p10–p90 the estimate is clamped: the extremes are a single company's figures.
        "percentile_clamped": midpoint_usd < market_range.p10 or midpoint_usd > market_range.p90,
        "label": label,
    }


def _total_context(posting, market_range: MarketRange) -> dict | None:
    """Total compensation beside base pay, when its own sample (postings) passes the publication rule."""
    if market_range.total_publishability_problem or market_range.total_p25 is None:
        return None
    curve = [(Decimal(p), getattr(market_range, f"total_p{p}")) for p in (10, 25, 50, 75, 90)]
    return {
        "currency": BASE_CURRENCY,
        "period": "YEAR",
        "p25": market_range.total_p25,
        "p50": market_range.total_p50,
        "p75": market_range.total_p75,
        "sample_size": market_range.total_sample_size,
        "posting_total_annual_usd": posting.total_comp_mid_usd,
        "posting_percentile": percentile_rank(posting.total_comp_mid_usd, curve).quantize(Decimal("0.1")),
    }


def _segment_info(segment: Segment) -> dict:
    return {
        "key": segment.key,
        "role_family": segment.role_family,
        "level": segment.level,
        "scope": segment.scope,
        "place": segment.place or None,
        "size_band": segment.size_band or None,
        "sector": segment.sector or None,
        "remote_only": segment.remote,
        "window": segment.window,
    }


def context_segments(posting) -> list[Segment]:
    """Where a posting's salary context looks, in order: its country, its region, the world
    (any company size, on-site or remote, the last 12 months); the first publishable one is shown."""
    return country_segment(posting.role_family, posting.level, posting.country).widening()


def peer_segments(posting) -> dict[str, list[Segment]]:
    """Where the comparison with companies like the poster's looks: the same chain, narrowed to the
    company's size band, and separately to its sector (when the company has one)."""
    chain, company = context_segments(posting), posting.company
    peers = {}
    if company.size_band:
        peers["size_band"] = [dataclasses.replace(segment, size_band=company.size_band) for segment in chain]
    if company.sector:
        peers["sector"] = [dataclasses.replace(segment, sector=company.sector) for segment in chain]
    return peers


def _in_currency(values: dict, rate: Rate | None, currency: str) -> dict | None:
    if rate is None:
        return None
    return {
        "currency": currency,
        "period": "YEAR",
        **{name: from_usd(value, rate) for name, value in values.items()},
        "exchange_rate": {"rate_to_usd": rate.rate_to_usd, "date": rate.date, "source": rate.source},
    }


def _first_publishable(chain: list[Segment], ranges, problems) -> MarketRange | None:
    candidates = [ranges.get(segment.key) for segment in chain]
    return next((r for r in candidates if r is not None and problems[r.key] is None), None)


def _range_summary(posting, usable: MarketRange) -> dict:
    """A publishable range as a posting's context shows it: the market quartiles and where the posting sits."""
    return {
        "segment": _segment_info(Segment.from_key(usable.key)),
        "market_usd": {"currency": BASE_CURRENCY, "period": "YEAR", **_quartiles(usable)},
        "sample_size": usable.sample_size,
        "company_count": usable.company_count,
        "confidence": market_range_confidence(usable),
        "as_of": usable.computed_at,
        "position": _position(posting.salary_mid_usd, usable),
        "provenance": market_range_provenance(usable),
    }


def _quartiles(market_range: MarketRange) -> dict:
    return {name: getattr(market_range, name) for name in ("p25", "p50", "p75")}


def _context(posting, ranges, problems, rate: Rate | None, requested: Rate | None) -> dict:
    chain = context_segments(posting)
    usable = _first_publishable(chain, ranges, problems)
    if usable is None:
        own = ranges.get(chain[0].key)
        return {
            "status": "insufficient_data",
            "message": "Not enough data for this role, level and place: a market range needs at least "
            "5 postings from at least 3 companies, none supplying more than half.",
            "segment": _segment_info(chain[0]),
            "sample_size": own.sample_size if own else 0,
            "company_count": own.company_count if own else 0,
            "as_of": own.computed_at if own else None,
        }
    usd = _quartiles(usable)
    peers = {}
    for name, peer_chain in peer_segments(posting).items():
        peer = _first_publishable(peer_chain, ranges, problems)
        peers[name] = (
            {"status": "ok", **_range_summary(posting, peer)}
            if peer
            else {"status": "insufficient_data", "segment": _segment_info(peer_chain[0])}
        )
    return {
        "status": "ok",
        **_range_summary(posting, usable),
        "market": _in_currency(usd, rate, posting.salary_currency),
        **({"market_requested": _in_currency(usd, requested, requested.currency)} if requested else {}),
        "total_compensation": _total_context(posting, usable),
        "peers": peers,
    }


def salary_contexts_for(*, postings: list, today: date, requested: Rate | None = None) -> dict[int, dict]:
    """The salary context of each posting, in three queries whatever the number of postings.

    Uses the posting's country segment when it is publishable, else its region's, else the world's; beside
    it, the same for companies of the poster's size band and of its sector (`peers`). With a requested
    currency, the market figures are given in it too.
    """
    keys = {segment.key for posting in postings for segment in context_segments(posting)}
    keys |= {segment.key for posting in postings for chain in peer_segments(posting).values() for segment in chain}
    ranges = {r.key: r for r in MarketRange.objects.filter(key__in=keys)} if keys else {}
    problems = publication_problems(list(ranges.values()))
    rates = latest_rates({p.salary_currency for p in postings}, today) if postings else {}
    return {p.pk: _context(p, ranges, problems, rates.get(p.salary_currency), requested) for p in postings}


def market_range_history(*, key: str) -> list[dict]:
    return [
        {
            "day": snapshot.day,
            **{name: getattr(snapshot, name) for name in ("p10", "p25", "p50", "p75", "p90", "mean", "total_p50")},
            "sample_size": snapshot.sample_size,
            "company_count": snapshot.company_count,
            "provenance": {
                "kind": "computed",
                "source": MARKET_SOURCE,
                "sample_size": snapshot.sample_size,
                "as_of": snapshot.computed_at,
            },
        }
        for snapshot in MarketRangeSnapshot.objects.filter(key=key).order_by("day")
    ]
