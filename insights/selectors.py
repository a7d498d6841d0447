"""Reads of market ranges: the salary context shown beside each posting, and range listings."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot
from insights.percentiles import percentile_rank
from insights.segments import Segment, country_segment
from jobs.models import JobPosting
from salaries.models import SalaryObservation
from salaries.money import BASE_CURRENCY, Rate, from_usd, latest_rates

MARKET_SOURCE = (
    "Computed from job postings published on this board (the midpoint of each posted range) "
    "and imported salary-survey records, in annual USD."
)


def market_ranges_list() -> QuerySet:
    return MarketRange.objects.order_by("role_family", "level", "scope", "place")


def publication_problems(ranges) -> dict[str, str | None]:
    """Why the public may not see each range's numbers (None: it may), in one query plus rare checks.

    A range must pass its own rule (MarketRange.publishability_problem) and must not, beside any wider
    range that holds all its points (Segment.containing), reveal the difference between the two: with
    sample sizes and means published, n(A)·mean(A) − n(S)·mean(S) is the pay total of the points in A but
    not in S. So that difference must itself pass the rule: none or at least 5 points, at least 3
    contributors, none supplying more than half. The narrower range is the one withheld: it is the one
    whose numbers are nearly the wider one's, so the public loses least.
    """
    problems = {r.key: r.publishability_problem for r in ranges}
    containing = {r.key: [s.key for s in Segment.from_key(r.key).containing()] for r in ranges if not problems[r.key]}
    wanted = {key for keys in containing.values() for key in keys}
    wider = {r.key: r for r in MarketRange.objects.filter(key__in=wanted)} if wanted else {}
    for market_range in ranges:
        for key in containing.get(market_range.key, []):
            outer = wider.get(key)
            if outer is not None and outer.is_publishable and _difference_reveals(outer, market_range):
                problems[market_range.key] = (
                    f"beside the wider segment {key} it would reveal the pay of too few companies"
                )
                break
    return problems


def _difference_reveals(outer: MarketRange, inner: MarketRange) -> bool:
    """Whether the points in `outer` but not in `inner` fail the publication rule."""
    n = outer.sample_size - inner.sample_size
    if n == 0:
        return False  # the same points: nothing new
    if n < settings.MARKET_MIN_SAMPLE_SIZE:
        return True
    # Bounds from the stored counts settle most pairs without reading data: contributors only in the
    # outer segment are a lower bound on the difference's contributors, and the outer segment's largest
    # contributor bounds the difference's largest.
    only_outer = outer.company_count - inner.company_count
    largest_bound = min(round(outer.top_company_share * outer.sample_size), n)
    if only_outer >= settings.MARKET_MIN_COMPANIES and 2 * largest_bound <= n:
        return False
    return difference_problem(Segment.from_key(outer.key), Segment.from_key(inner.key)) is not None


def difference_problem(outer: Segment, inner: Segment, *, now=None) -> str | None:
    """The publication rule applied to the data points of `outer` that are not in `inner`."""
    now = now or timezone.now()
    postings = (
        JobPosting.objects.visible(now)
        .in_segment(outer)
        .exclude(pk__in=JobPosting.objects.in_segment(inner).values("pk"))
    )
    per_company = list(postings.values("company_id").annotate(n=Count("id")).values_list("n", flat=True))
    today = now.date()
    surveyed = (
        SalaryObservation.objects.in_segment(outer, today=today)
        .exclude(pk__in=SalaryObservation.objects.in_segment(inner, today=today).values("pk"))
        .count()
    )
    n, contributors = sum(per_company) + surveyed, len(per_company) + surveyed
    largest = max([*per_company, 1 if surveyed else 0])
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


def _in_currency(values: dict, rate: Rate | None, currency: str) -> dict | None:
    if rate is None:
        return None
    return {
        "currency": currency,
        "period": "YEAR",
        **{name: from_usd(value, rate) for name, value in values.items()},
        "exchange_rate": {"rate_to_usd": rate.rate_to_usd, "date": rate.date, "source": rate.source},
    }


def _context(posting, ranges, problems, rate: Rate | None, requested: Rate | None) -> dict:
    candidates = [ranges.get(segment.key) for segment in context_segments(posting)]
    usable = next((r for r in candidates if r is not None and problems[r.key] is None), None)
    if usable is None:
        own = candidates[0]
        return {
            "status": "insufficient_data",
            "message": "Not enough data for this role, level and place: a market range needs at least "
            "5 postings from at least 3 companies, none supplying more than half.",
            "segment": _segment_info(context_segments(posting)[0]),
            "sample_size": own.sample_size if own else 0,
            "company_count": own.company_count if own else 0,
            "as_of": own.computed_at if own else None,
        }
    usd = {name: getattr(usable, name) for name in ("p25", "p50", "p75")}
    return {
        "status": "ok",
        "segment": _segment_info(Segment.from_key(usable.key)),
        "market_usd": {"currency": BASE_CURRENCY, "period": "YEAR", **usd},
        "market": _in_currency(usd, rate, posting.salary_currency),
        **({"market_requested": _in_currency(usd, requested, requested.currency)} if requested else {}),
        "sample_size": usable.sample_size,
        "company_count": usable.company_count,
        "confidence": market_range_confidence(usable),
        "as_of": usable.computed_at,
        "position": _position(posting.salary_mid_usd, usable),
        "total_compensation": _total_context(posting, usable),
        "provenance": market_range_provenance(usable),
    }


def salary_contexts_for(*, postings: list, today: date, requested: Rate | None = None) -> dict[int, dict]:
    """The salary context of each posting, in three queries whatever the number of postings.

    Uses the posting's country segment when it is publishable, else its region's, else the world's. With a
    requested currency, the market figures are given in it too.
    """
    keys = {segment.key for posting in postings for segment in context_segments(posting)}
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
