"""Where a market range is computed: one segment at a time (recompute), or all at once (rebuild)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from insights.models import DirtySegment, MarketRange
from insights.percentiles import FRACTIONS, percentile_cont
from insights.segments import WINDOW_12M, Segment, first_work_year_in, segments_for
from jobs.models import JobPosting
from salaries.models import SalaryObservation
from salaries.money import money


@dataclass(frozen=True)
class SegmentStats:
    sample_size: int
    posting_count: int
    observation_count: int
    company_count: int
    top_company_share: Decimal
    mean: Decimal | None
    pay_min: Decimal | None
    pay_max: Decimal | None
    percentiles: dict[str, Decimal | None]
    recent_count: int = 0
    total_sample_size: int = 0
    total_mean: Decimal | None = None
    total_percentiles: dict[str, Decimal | None] | None = None


EMPTY_STATS = SegmentStats(
    sample_size=0,
    posting_count=0,
    observation_count=0,
    company_count=0,
    top_company_share=Decimal(0),
    mean=None,
    pay_min=None,
    pay_max=None,
    percentiles=dict.fromkeys(FRACTIONS),
    total_percentiles=dict.fromkeys(FRACTIONS),
)


def segment_stats_compute(*, segment: Segment, now=None) -> SegmentStats:
    """Pay statistics of one segment at `now`.

    Data points: each visible posting's midpoint (annual USD) and each survey observation's
    annual USD salary. Contributors: a posting's company; each survey respondent is their own.
    """
    now = now or timezone.now()
    postings = JobPosting.objects.visible(now).in_segment(segment)
    observations = SalaryObservation.objects.in_segment(segment, today=now.date())
    top = postings.values("company_id").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True).first()
    if connection.vendor == "postgresql":
        n, n_postings, contributors, low, high, mean, cuts = _summary_in_database(postings, observations)
    else:
        n, n_postings, contributors, low, high, mean, cuts = _summary_in_python(postings, observations)
    if n == 0:
        return EMPTY_STATS
    largest = max(top or 0, 1 if n > n_postings else 0)
    # Total compensation only where it is known: postings declare their package; surveys report base only.
    # Its percentiles are computed from the totals themselves, never by adding up base and bonus percentiles.
    total_n, total_mean, total_cuts = _distribution(postings, "total_comp_mid_usd")
    recent_year = first_work_year_in(WINDOW_12M, now.date())
    recent = n_postings + observations.filter(work_year__gte=recent_year).count()
    return SegmentStats(
        sample_size=n,
        posting_count=n_postings,
        observation_count=n - n_postings,
        company_count=contributors,
        top_company_share=(Decimal(largest) / n).quantize(Decimal("0.0001")),
        mean=money(mean),
        pay_min=low,
        pay_max=high,
        percentiles={name: money(value) for name, value in zip(FRACTIONS, cuts, strict=True)},
        recent_count=recent,
        total_sample_size=total_n,
        total_mean=money(total_mean) if total_n else None,
        total_percentiles=(
            {name: money(c) for name, c in zip(FRACTIONS, total_cuts, strict=True)}
            if total_n
            else dict.fromkeys(FRACTIONS)
        ),
    )


def _summary_in_database(postings, observations):
    """One query: PostgreSQL's exact percentile_cont over postings and observations together."""
    posting_sql, posting_params = postings.values_list("salary_mid_usd", "company_id").query.sql_with_params()
    if observations.query.is_empty():  # e.g. a city segment: surveys give no city
        observation_sql, observation_params = "SELECT NULL::numeric AS salary_usd, NULL::bigint AS id WHERE false", ()
    else:
        observation_sql, observation_params = observations.values_list("salary_usd", "id").query.sql_with_params()
    fractions = ", ".join(str(f) for f in FRACTIONS.values())
    sql = f"""
        SELECT count(*), count(*) FILTER (WHERE kind = 'p'), count(DISTINCT (kind, contributor)),
               min(pay), max(pay), avg(pay),
               percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY pay)
        FROM (
            SELECT p.salary_mid_usd AS pay, 'p' AS kind, p.company_id AS contributor FROM ({posting_sql}) p
            UNION ALL
            SELECT o.salary_usd, 'o', o.id FROM ({observation_sql}) o
        ) points
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*posting_params, *observation_params])
        n, n_postings, contributors, low, high, mean, cuts = cursor.fetchone()
    cuts = [Decimal(repr(c)) for c in cuts] if cuts else []
    return n, n_postings, contributors, low, high, mean, cuts


def _distribution(queryset, field: str) -> tuple[int, Decimal | None, list[Decimal]]:
    """Count, mean and p10–p90 of one column, with the same percentile definition on both databases."""
    if connection.vendor == "postgresql":
        sql, params = queryset.values_list(field).query.sql_with_params()
        fractions = ", ".join(str(f) for f in FRACTIONS.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), avg(v), percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY v) "
                f"FROM (SELECT s.{field} AS v FROM ({sql}) s) points",
                params,
            )
            n, mean, cuts = cursor.fetchone()
        return n, mean, [Decimal(repr(c)) for c in cuts or []]
    values = sorted(queryset.values_list(field, flat=True))
    if not values:
        return 0, None, []
    return len(values), sum(values, Decimal(0)) / len(values), [percentile_cont(values, f) for f in FRACTIONS.values()]


def _summary_in_python(postings, observations):
    """SQLite has no percentile_cont: fetch the points and apply the same definition."""
    points = list(postings.values_list("salary_mid_usd", "company_id"))
    surveyed = list(observations.values_list("salary_usd", flat=True))
    values = sorted([pay for pay, _ in points] + surveyed)
    if not values:
        return 0, 0, 0, None, None, None, []
    contributors = len({company for _, company in points}) + len(surveyed)
    mean = sum(values, Decimal(0)) / len(values)
    cuts = [percentile_cont(values, f) for f in FRACTIONS.values()]
    return len(values), len(points), contributors, values[0], values[-1], mean, cuts


def market_range_recompute(*, key: str) -> MarketRange:
    """Recompute one segment and clear its dirty mark if no newer change arrived meanwhile."""
    segment = Segment.from_key(key)
    with transaction.atomic():
        MarketRange.objects.bulk_create([_market_range_row(key, EMPTY_STATS, timezone.now())], ignore_conflicts=True)
        # The row lock serialises recomputes of one segment: a second worker waits here and then
        # computes from data at least as new as the first one's, so it can never write an older result.
        market_range = MarketRange.objects.select_for_update().get(key=key)
        # Read the mark before the data: a change committed after this read bumps the version,
        # so the compare-and-clear below leaves its mark for the next drain.
        version = DirtySegment.objects.filter(key=key).values_list("version", flat=True).first()
        now = timezone.now()
        stats = segment_stats_compute(segment=segment, now=now)
        market_range.sample_size = stats.sample_size
        market_range.posting_count = stats.posting_count
        market_range.observation_count = stats.observation_count
        market_range.recent_count = stats.recent_count
        market_range.company_count = stats.company_count
        market_range.top_company_share = stats.top_company_share
        market_range.mean = stats.mean
        market_range.pay_min = stats.pay_min
        market_range.pay_max = stats.pay_max
        for name, value in stats.percentiles.items():
            setattr(market_range, name, value)
        market_range.total_sample_size = stats.total_sample_size
        market_range.total_mean = stats.total_mean
        for name, value in stats.total_percentiles.items():
            setattr(market_range, f"total_{name}", value)
        market_range.computed_at = now
        market_range.save()
        if version is not None:
            DirtySegment.objects.filter(key=key, version=version).delete()
    return market_range


def market_ranges_recompute_dirty(*, limit: int) -> tuple[int, bool]:
    """Recompute up to `limit` marked segments, oldest mark first. Returns (done, more_remain)."""
    keys = list(DirtySegment.objects.order_by("marked_at", "key").values_list("key", flat=True)[: limit + 1])
    for key in keys[:limit]:
        market_range_recompute(key=key)
    return min(len(keys), limit), len(keys) > limit


def segment_keys_with_data(now) -> set[str]:
    """Every segment that holds at least one visible posting or survey record."""
    keys: set[str] = set()
    postings = JobPosting.objects.visible(now).values_list(
        "role_family", "level", "country", "city", "company__size_band", "remote_policy"
    )
    for role, level, country, city, size, remote in postings.distinct():
        segments = segments_for(
            role_family=role, level=level, country=country, city=city, size_band=size, remote=remote == "remote"
        )
        keys |= {segment.key for segment in segments}
    records = SalaryObservation.objects.values_list("role_family", "level", "country", "company_size", "remote_ratio")
    for role, level, country, size, remote in records.distinct():
        segments = segments_for(role_family=role, level=level, country=country, size_band=size, remote=remote == 100)
        keys |= {segment.key for segment in segments}
    return keys


def _stats_from_points(points: list[tuple]) -> SegmentStats:
    """The same statistics as segment_stats_compute, from points gathered in memory.

    A point is (pay, contributor, total compensation or None, is recent); contributors are ("p", company)
    for postings and ("o", id) for survey records.
    """
    if not points:
        return EMPTY_STATS
    values = sorted(point[0] for point in points)
    totals = sorted(point[2] for point in points if point[2] is not None)
    per_company: dict = defaultdict(int)
    for _, contributor, _, _ in points:
        per_company[contributor] += 1
    n, n_postings = len(values), len(totals)
    largest = max(per_company.values())
    return SegmentStats(
        sample_size=n,
        posting_count=n_postings,
        observation_count=n - n_postings,
        company_count=len(per_company),
        top_company_share=(Decimal(largest) / n).quantize(Decimal("0.0001")),
        mean=money(sum(values, Decimal(0)) / n),
        pay_min=values[0],
        pay_max=values[-1],
        percentiles={name: money(percentile_cont(values, f)) for name, f in FRACTIONS.items()},
        recent_count=sum(1 for point in points if point[3]),
        total_sample_size=len(totals),
        total_mean=money(sum(totals, Decimal(0)) / len(totals)) if totals else None,
        total_percentiles=(
            {name: money(percentile_cont(totals, f)) for name, f in FRACTIONS.items()}
            if totals
            else dict.fromkeys(FRACTIONS)
        ),
    )


def market_ranges_rebuild(*, now=None, batch_size: int = 2000, on_progress=None) -> int:
    """Recompute every market range in one pass over the data, and clear the marks it has covered.

    Reads every visible posting and survey record once, files each under all of its segments, and writes
    the ranges in bulk. Marks made while it runs carry a newer version and survive for the next drain.
    """
    now = now or timezone.now()
    versions = dict(DirtySegment.objects.values_list("key", "version"))
    recent_year = first_work_year_in(WINDOW_12M, now.date())
    points: dict[str, list[tuple]] = defaultdict(list)
    postings = JobPosting.objects.visible(now).values_list(
        "role_family", "level", "country", "city", "company__size_band", "remote_policy",
        "salary_mid_usd", "total_comp_mid_usd", "company_id",
    )  # fmt: skip
    for role, level, country, city, size, remote, pay, total, company in postings.iterator(chunk_size=5000):
        point = (pay, ("p", company), total, True)
        for segment in segments_for(
            role_family=role, level=level, country=country, city=city, size_band=size, remote=remote == "remote"
        ):
            points[segment.key].append(point)
    records = SalaryObservation.objects.values_list(
        "role_family", "level", "country", "company_size", "remote_ratio", "salary_usd", "id", "work_year"
    )
    for role, level, country, size, remote, pay, record, year in records.iterator(chunk_size=5000):
        point = (pay, ("o", record), None, year >= recent_year)
        for segment in segments_for(
            role_family=role, level=level, country=country, size_band=size, remote=remote == 100
        ):
            if segment.window == WINDOW_12M and year < recent_year:
                continue
            points[segment.key].append(point)
    keys = sorted(set(points) | set(versions) | set(MarketRange.objects.values_list("key", flat=True)))
    for start in range(0, len(keys), batch_size):
        chunk = keys[start : start + batch_size]
        rows = [_market_range_row(key, _stats_from_points(points.get(key, [])), now) for key in chunk]
        with transaction.atomic():
            MarketRange.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["key"], update_fields=STORED_FIELDS, batch_size=500
            )
            for key in chunk:
                if key in versions:
                    DirtySegment.objects.filter(key=key, version=versions[key]).delete()
        if on_progress:
            on_progress(len(chunk))
    return len(keys)


VERIFIED_FIELDS = [
    "sample_size", "posting_count", "observation_count", "recent_count", "company_count", "top_company_share",
    "p10", "p25", "p50", "p75", "p90", "mean", "total_sample_size", "total_p10", "total_p25", "total_p50",
    "total_p75", "total_p90", "total_mean",
]  # fmt: skip
STORED_FIELDS = [*VERIFIED_FIELDS, "pay_min", "pay_max", "computed_at"]


def _market_range_row(key: str, stats: SegmentStats, now) -> MarketRange:
    segment = Segment.from_key(key)
    return MarketRange(
        key=key,
        role_family=segment.role_family,
        level=segment.level,
        scope=segment.scope,
        place=segment.place,
        size_band=segment.size_band,
        remote=segment.remote,
        window=segment.window,
        sample_size=stats.sample_size,
        posting_count=stats.posting_count,
        observation_count=stats.observation_count,
        recent_count=stats.recent_count,
        company_count=stats.company_count,
        top_company_share=stats.top_company_share,
        mean=stats.mean,
        pay_min=stats.pay_min,
        pay_max=stats.pay_max,
        total_sample_size=stats.total_sample_size,
        total_mean=stats.total_mean,
        computed_at=now,
        **stats.percentiles,
        **{f"total_{name}": value for name, value in stats.total_percentiles.items()},
    )
