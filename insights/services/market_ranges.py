"""Where a market range is computed: one segment at a time (recompute), or all at once (rebuild)."""

import logging
import time
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from psycopg.types.json import Jsonb

from insights import lookups  # noqa: F401  (registers `__any_of`)
from insights.disclosure import Release, range_release
from insights.models import DirtySegment, MarketRange
from insights.percentiles import FRACTIONS, as_numerics, percentile_cont
from insights.segments import WINDOW_12M, Segment, first_work_year_in, segments_for
from insights.services.point_cache import point_cache_segment_stats
from insights.services.segment_stats import EMPTY_STATS, SegmentStats, segment_stats_build, segment_stats_stream
from jobs.models import JobPosting
from salaries.models import SalaryObservation

logger = logging.getLogger(__name__)


def segment_stats_compute(*, segment: Segment, now=None) -> SegmentStats:
    """Pay statistics of one segment at `now`.

    Data points: each visible posting's midpoint (annual USD) and each survey observation's
    annual USD salary. Contributors: a posting's company; each survey respondent is their own.
    """
    now = now or timezone.now()
    postings = JobPosting.objects.market_points(now).in_segment(segment)
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
    total_contributors = postings.exclude(total_comp_mid_usd=None).values("company_id").distinct().count()
    posting_keys = postings.aggregate(keys=Sum("disclosure_key"))["keys"] or 0
    total_keys = postings.exclude(total_comp_mid_usd=None).aggregate(keys=Sum("disclosure_key"))["keys"] or 0
    record_keys = observations.aggregate(keys=Sum("disclosure_key"))["keys"] or 0
    return segment_stats_build(
        n=n, n_postings=n_postings, contributors=contributors, largest=largest, mean=mean, low=low, high=high,
        cuts=cuts, recent=recent, total_n=total_n, total_mean=total_mean, total_cuts=total_cuts,
        total_contributors=total_contributors, total_largest=top or 0, key_sum=posting_keys + record_keys,
        total_key_sum=total_keys,
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
    cuts = as_numerics(cuts)
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
        return n, mean, as_numerics(cuts)
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
        locked = MarketRange.objects.select_for_update(skip_locked=True).filter(key__any_of=keys).order_by("key")
        done = list(locked.values_list("key", flat=True)[:limit] if limit else locked.values_list("key", flat=True))
        _recompute_locked(done)
    return done


def _ensure_rows(keys: list[str]) -> None:
    """A row to lock for every segment, created empty where the segment is new."""
    now = timezone.now()
    missing = set(keys) - set(MarketRange.objects.filter(key__any_of=keys).values_list("key", flat=True))
    if missing:
        empty = range_release(EMPTY_STATS)
        rows = [MarketRange(**_fields(key, EMPTY_STATS, empty, now)) for key in sorted(missing)]
        MarketRange.objects.bulk_create(rows, ignore_conflicts=True)


def _recompute_locked(keys: list[str]) -> None:
    if not keys:
        return
    versions = dict(DirtySegment.objects.filter(key__any_of=keys).values_list("key", "version"))
    now = timezone.now()  # the as-of time: every read below sees data committed by now or later
    started = time.perf_counter()
    if connection.vendor == "postgresql" and settings.MARKET_POINT_CACHE:
        stats = point_cache_segment_stats(now=now, keys=keys)
    else:
        stats = dict(segment_stats_stream(now=now, keys=keys))
    computed = time.perf_counter()
    decided = _decide([(key, stats.get(key, EMPTY_STATS)) for key in keys])  # no data left: empty
    released = time.perf_counter()
    _ranges_store(decided, now)
    _clear_marks(versions)
    logger.info(
        "Recomputed %d segments in %.1f ms: statistics %.1f ms, releases %.1f ms, storing %.1f ms.",
        len(keys), 1000 * (time.perf_counter() - started), 1000 * (computed - started),
        1000 * (released - computed), 1000 * (time.perf_counter() - released),
    )  # fmt: skip


def _decide(items: list[tuple[str, SegmentStats]]) -> list[tuple[str, SegmentStats, Release]]:
    """Each range's public release, decided from its statistics in the same step (insights.disclosure)."""
    return [(key, stats, range_release(stats)) for key, stats in items]


def _clear_marks(versions: dict[str, int]) -> None:
    """Compare-and-clear: delete each mark only if it still has the version that was read."""
    items = sorted(versions.items())
    if connection.vendor == "postgresql" and items:
        with connection.cursor() as cursor:
            # Lock the marks in key order first, the order publishes upsert them in (segments_mark_dirty): the
            # DELETE alone visits rows in join order, and a publish marking two of its segments the other way
            # round deadlocked with it at 200 publishes a second from two threads (benchmarks/freshness.py).
            cursor.execute(
                f"SELECT 1 FROM {DirtySegment._meta.db_table} WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
                [[key for key, _ in items]],
            )
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


def market_ranges_recompute_dirty(*, limit: int, shard: int | None = None) -> tuple[int, bool]:
    """Recompute up to `limit` marked segments of one shard (or of all), oldest mark first, in one batch.

    A burst of changes to one segment leaves one mark, so it costs one recompute. Returns (done,
    more). `more` when this batch made progress and marks remain (further segments, or changes that
    landed during this recompute). A batch that found every segment held by other workers reports no
    more: each holder checks for remaining marks after it commits, so the work is never orphaned.
    """
    marks = DirtySegment.objects.all() if shard is None else DirtySegment.objects.filter(shard=shard)
    candidates = list(marks.order_by("marked_at", "key").values_list("key", flat=True)[: 2 * limit])
    done = market_ranges_recompute(keys=candidates, limit=limit)
    return len(done), bool(done) and marks.exists()


def market_ranges_sweep(*, limit: int, shard: int | None = None) -> int:
    """Drain the marks of one shard (or of all) present now, batch by batch; returns the number of segments
    recomputed.

    Bounded by the marks present when it starts, so under a steady stream of new changes (each of
    which sends its own drain) it still finishes.
    """
    marks = DirtySegment.objects.all() if shard is None else DirtySegment.objects.filter(shard=shard)
    total = 0
    for _ in range(marks.count() // limit + 1):
        done, more = market_ranges_recompute_dirty(limit=limit, shard=shard)
        total += done
        if not more:
            break
    _vacuum_marks()
    return total


def _vacuum_marks() -> None:
    """Reclaim the marks table's dead rows. Every publish writes a mark and every drain deletes it, so
    under load the table holds a few hundred live rows among hundreds of thousands of dead ones, which
    every drain's queries would wade through; autovacuum handles this where it runs, but it can be off
    (it is on the machines the benchmarks ran on). PostgreSQL, outside a transaction only."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {DirtySegment._meta.db_table}")


def segment_keys_with_data(now) -> set[str]:
    """Every segment that holds at least one visible posting or survey record."""
    keys: set[str] = set()
    postings = JobPosting.objects.market_points(now).values_list(
        "role_family", "level", "country", "city", "company__size_band", "company__sector", "remote_policy"
    )
    for role, level, country, city, size, sector, remote in postings.distinct():
        segments = segments_for(
            role_family=role, level=level, country=country, city=city, size_band=size, sector=sector,
            remote=remote == "remote",
        )  # fmt: skip
        keys |= {segment.key for segment in segments}
    records = SalaryObservation.objects.values_list("role_family", "level", "country", "company_size", "remote_ratio")
    for role, level, country, size, remote in records.distinct():
        segments = segments_for(role_family=role, level=level, country=country, size_band=size, remote=remote == 100)
        keys |= {segment.key for segment in segments}
    return keys


def market_ranges_rebuild(*, now=None, batch_size: int = 5000, on_progress=None) -> int:
    """Recompute every market range from scratch, and clear the marks it has covered.

    One pass over the data, partition by partition (insights.services.segment_stats), written in batches,
    so memory follows the largest partition, not the table. Marks made while it runs carry a newer
    version and survive; a range a drain computed from newer data than `now` is not overwritten.
    """
    now = now or timezone.now()
    versions = dict(DirtySegment.objects.values_list("key", "version"))
    written = 0
    for chunk in _batched(segment_stats_stream(now=now), batch_size):
        with transaction.atomic():
            _ranges_store(_decide(chunk), now)
            _clear_marks({key: versions.pop(key) for key, _ in chunk if key in versions})
        written += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    # Stored ranges the rebuild did not reach have no data left; so have the segments of the other marks.
    with transaction.atomic():
        emptied = MarketRange.objects.filter(computed_at__lt=now).update(**_EMPTY_FIELDS, computed_at=now)
        _clear_marks(versions)
    if on_progress and emptied:
        on_progress(emptied)
    return written + emptied


def _batched(items, size: int):
    """itertools.batched, which arrives only in Python 3.12."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


VERIFIED_FIELDS = [
    "sample_size", "posting_count", "observation_count", "recent_count", "company_count", "top_company_share",
    "p10", "p25", "p50", "p75", "p90", "mean", "total_sample_size", "total_p10", "total_p25", "total_p50",
    "total_p75", "total_p90", "total_mean", "total_company_count", "total_top_company_share", "cell_key",
    "total_cell_key",
]  # fmt: skip
# The public release, decided from the figures above in the same step (insights.disclosure).
RELEASE_FIELDS = ["published", "withheld_reason", "total_published", "total_withheld_reason", "release",
                  "release_version"]  # fmt: skip
STORED_FIELDS = [*VERIFIED_FIELDS, *RELEASE_FIELDS, "pay_min", "pay_max", "computed_at"]


_IDENTITY_FIELDS = ["key", "role_family", "level", "scope", "place", "size_band", "sector", "remote", "window"]
_EMPTY_FIELDS = {**EMPTY_STATS.field_values(), **range_release(EMPTY_STATS).field_values(), "pay_min": None,
                 "pay_max": None}  # fmt: skip


def _ranges_store(items: list[tuple[str, SegmentStats, Release]], now) -> None:
    """Insert or replace these ranges and their releases, as of `now`, in the caller's transaction."""
    if connection.vendor != "postgresql":
        MarketRange.objects.bulk_create(
            [MarketRange(**_fields(key, stats, release, now)) for key, stats, release in items],
            update_conflicts=True, unique_fields=["key"], update_fields=STORED_FIELDS, batch_size=500,
        )  # fmt: skip
        return
    # PostgreSQL: COPY into a scratch table, then one upsert. A range computed from data newer than `now`
    # (a drain that ran while a rebuild was writing) is never replaced by an older computation.
    table, columns = MarketRange._meta.db_table, [*_IDENTITY_FIELDS, *STORED_FIELDS]
    quoted = ", ".join(f'"{column}"' for column in columns)
    replace = ", ".join(f'"{column}" = EXCLUDED."{column}"' for column in STORED_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.market_range_incoming")  # an earlier store in this transaction
        cursor.execute(
            f"CREATE TEMPORARY TABLE market_range_incoming ON COMMIT DROP AS SELECT {quoted} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY market_range_incoming ({quoted}) FROM STDIN") as copy:
            for key, stats, release in items:
                copy.write_row(_row_values(key, stats, release, now))
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM market_range_incoming "
            f"ON CONFLICT (key) DO UPDATE SET {replace} "
            f"WHERE {table}.computed_at <= EXCLUDED.computed_at"
        )


def _row_values(key: str, stats: SegmentStats, release: Release, now) -> tuple:
    fields = _fields(key, stats, release, now)
    fields["release"] = Jsonb(fields["release"])
    return tuple(fields[column] for column in (*_IDENTITY_FIELDS, *STORED_FIELDS))


def _fields(key: str, stats: SegmentStats, release: Release, now) -> dict:
    segment = Segment.from_key(key)
    return {
        "key": key,
        "role_family": segment.role_family,
        "level": segment.level,
        "scope": segment.scope,
        "place": segment.place,
        "size_band": segment.size_band,
        "sector": segment.sector,
        "remote": segment.remote,
        "window": segment.window,
        "pay_min": stats.pay_min,
        "pay_max": stats.pay_max,
        "computed_at": now,
        **stats.field_values(),
        **release.field_values(),
    }
