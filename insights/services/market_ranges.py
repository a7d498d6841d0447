"""Where a market range is computed: one segment at a time (recompute), or all at once (rebuild)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from insights.models import DirtySegment, MarketRange
from insights.percentiles import FRACTIONS, percentile_cont
from insights.segments import WINDOW_12M, Segment, first_work_year_in, segments_for
from insights.services.market_ranges_sql import (
    as_decimals,
    ranges_empty_unless_computed,
    ranges_write,
)
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


def _segment_stats(
    *, n, n_postings, contributors, largest, mean, low, high, cuts, recent, total_n, total_mean, total_cuts
) -> SegmentStats:
    """SegmentStats from raw figures, rounded the one way every path rounds (cents and shares half up)."""
    return SegmentStats(
        sample_size=n,
        posting_count=n_postings,
        observation_count=n - n_postings,
        company_count=contributors,
        top_company_share=(Decimal(largest) / n).quantize(Decimal("0.0001"), ROUND_HALF_UP),
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
    return _segment_stats(
        n=n, n_postings=n_postings, contributors=contributors, largest=largest, mean=mean, low=low, high=high,
        cuts=cuts, recent=recent, total_n=total_n, total_mean=total_mean, total_cuts=total_cuts,
    )  # fmt: skip


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
    cuts = as_decimals(cuts)
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
        return n, mean, as_decimals(cuts)
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
    """Recompute one segment now (waiting for any worker that is recomputing it)."""
    segment_key = Segment.from_key(key).key
    with transaction.atomic():
        _ensure_rows([segment_key])
        MarketRange.objects.select_for_update().get(key=segment_key)
        _recompute_locked([segment_key])
    return MarketRange.objects.get(key=segment_key)


def market_ranges_recompute(*, keys: list[str], limit: int | None = None) -> list[str]:
    """Recompute up to `limit` of these segments together, in one transaction; returns the keys done.

    Each segment's row is locked first, so two workers never compute one segment at once; a segment
    another worker holds is skipped (its mark stays for whoever holds it, or the next drain). Each mark
    is read after the lock and before the data and cleared only if its version is unchanged
    (compare-and-clear), so a change committed during the recompute keeps its mark.
    """
    keys = sorted({Segment.from_key(key).key for key in keys})
    with transaction.atomic():
        _ensure_rows(keys)
        locked = MarketRange.objects.select_for_update(skip_locked=True).filter(key__in=keys).order_by("key")
        done = list(locked.values_list("key", flat=True)[:limit] if limit else locked.values_list("key", flat=True))
        _recompute_locked(done)
    return done


def _ensure_rows(keys: list[str]) -> None:
    """A row to lock for every segment, created empty where the segment is new."""
    now = timezone.now()
    MarketRange.objects.bulk_create([_market_range_row(key, EMPTY_STATS, now) for key in keys], ignore_conflicts=True)


def _recompute_locked(keys: list[str]) -> None:
    if not keys:
        return
    versions = dict(DirtySegment.objects.filter(key__in=keys).values_list("key", "version"))
    now = timezone.now()  # the as-of time: every statement below reads data committed by now or later
    if connection.vendor == "postgresql":
        ranges_write(now=now, keys=keys)  # computed and stored inside the database
        ranges_empty_unless_computed(now=now, keys=keys)  # segments whose data is gone
    else:
        stats = {key: segment_stats_compute(segment=Segment.from_key(key), now=now) for key in keys}
        rows = [_market_range_row(key, stats.get(key, EMPTY_STATS), now) for key in keys]
        MarketRange.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["key"], update_fields=STORED_FIELDS, batch_size=500
        )
    _clear_marks(versions)


def _clear_marks(versions: dict[str, int]) -> None:
    """Compare-and-clear: delete each mark only if it still has the version that was read."""
    items = sorted(versions.items())
    if connection.vendor == "postgresql" and items:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DirtySegment._meta.db_table} AS d USING unnest(%s::text[], %s::bigint[]) AS v(key, version) "
                "WHERE d.key = v.key AND d.version = v.version",
                [[key for key, _ in items], [version for _, version in items]],
            )
        return
    for start in range(0, len(items), 100):
        condition = Q(pk__in=[])
        for key, version in items[start : start + 100]:
            condition |= Q(key=key, version=version)
        DirtySegment.objects.filter(condition).delete()


def market_ranges_recompute_dirty(*, limit: int) -> tuple[int, bool]:
    """Recompute up to `limit` marked segments, oldest mark first, in one batch.

    A burst of changes to one segment leaves one mark, so it costs one recompute. Returns (done,
    more). `more` when this batch made progress and marks remain (further segments, or changes that
    landed during this recompute). A batch that found every segment held by other workers reports no
    more: each holder checks for remaining marks after it commits, so the work is never orphaned.
    """
    candidates = list(DirtySegment.objects.order_by("marked_at", "key").values_list("key", flat=True)[: 2 * limit])
    done = market_ranges_recompute(keys=candidates, limit=limit)
    return len(done), bool(done) and DirtySegment.objects.exists()


def market_ranges_sweep(*, limit: int) -> int:
    """Drain the marks present now, batch by batch; returns the number of segments recomputed.

    Bounded by the marks present when it starts, so under a steady stream of new changes (each of
    which sends its own drain) it still finishes.
    """
    total = 0
    for _ in range(DirtySegment.objects.count() // limit + 1):
        done, more = market_ranges_recompute_dirty(limit=limit)
        total += done
        if not more:
            break
    return total


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
    return _segment_stats(
        n=n, n_postings=n_postings, contributors=len(per_company), largest=largest,
        mean=sum(values, Decimal(0)) / n, low=values[0], high=values[-1],
        cuts=[percentile_cont(values, f) for f in FRACTIONS.values()],
        recent=sum(1 for point in points if point[3]), total_n=len(totals),
        total_mean=sum(totals, Decimal(0)) / len(totals) if totals else None,
        total_cuts=[percentile_cont(totals, f) for f in FRACTIONS.values()] if totals else [],
    )  # fmt: skip


def market_ranges_rebuild(*, now=None, batch_size: int = 2000, on_progress=None) -> int:
    """Recompute every market range from scratch, and clear the marks it has covered.

    On PostgreSQL, set-based: one statement per segment shape over all the data, computed and written
    inside the database, so this process's memory does not grow with the table. On SQLite, one pass in memory over every
    visible posting and survey record. Marks made while it runs carry a newer version and survive.
    """
    now = now or timezone.now()
    versions = dict(DirtySegment.objects.values_list("key", "version"))
    if connection.vendor == "postgresql":
        written = ranges_write(now=now, on_progress=on_progress)
        # Stored ranges the rebuild did not reach have no data left (a range a drain computed after
        # `now` is newer than the rebuild and stays as it is).
        written += ranges_empty_unless_computed(now=now)
        _clear_marks(versions)
        return written
    leftover = set(versions) | set(MarketRange.objects.values_list("key", flat=True))
    written = 0
    for chunk in _batched(_stats_in_memory(now), batch_size):
        _write_rebuilt(chunk, versions, now)
        leftover.difference_update(key for key, _ in chunk)
        written += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    # Segments with a stored range or a mark but no data left: their ranges become empty.
    for chunk in _batched(sorted(leftover), batch_size):
        _write_rebuilt([(key, EMPTY_STATS) for key in chunk], versions, now)
        written += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    return written


def _batched(items, size: int):
    """itertools.batched, which arrives only in Python 3.12."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _write_rebuilt(chunk, versions: dict[str, int], now) -> None:
    rows = [_market_range_row(key, stats, now) for key, stats in chunk]
    with transaction.atomic():
        MarketRange.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["key"], update_fields=STORED_FIELDS, batch_size=500
        )
        _clear_marks({key: versions[key] for key, _ in chunk if key in versions})


def _stats_in_memory(now):
    """(key, stats) of every segment with data, from one pass over the data held in memory."""
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
    for key in sorted(points):
        yield key, _stats_from_points(points[key])


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
