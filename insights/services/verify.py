"""Check stored market ranges against a fresh computation by a method independent of the engine.

The engine (insights.services.segment_stats) streams points through Python and assigns them to segments
with insights.segments. The check recomputes every segment another way:
- on PostgreSQL, set-based inside the database: for each of the 56 segment shapes (scope × one size band or
  any × one sector or any, sectors from country scope out × remote-only or not × window) one GROUP BY over
  all data points, with membership written as SQL and PostgreSQL's own `percentile_cont`, `avg` and `count`;
- on SQLite (small, embedded data), segment by segment with the ORM's segment filters
  (`JobPosting.objects.in_segment`, `SalaryObservation.objects.in_segment`) and insights.percentiles.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from insights.disclosure import range_release
from insights.models import MarketRange
from insights.percentiles import FRACTIONS, as_numerics
from insights.regions import REGION_OF
from insights.segments import ANY, CITY, COUNTRY, REGION, WINDOW_12M, WINDOWS, WORLD, Segment, first_work_year_in
from insights.services.market_ranges import (
    RELEASE_FIELDS,
    VERIFIED_FIELDS,
    segment_keys_with_data,
    segment_stats_compute,
)
from insights.services.segment_stats import EMPTY_STATS, SegmentStats, segment_stats_build
from jobs.models import JobPosting, RemotePolicy
from salaries.models import SalaryObservation

# Every statistic, and the public release decided from them: a stored release that differs from the one the
# rule gives on freshly computed figures is reported like any other difference.
CHECKED_FIELDS = [*VERIFIED_FIELDS, *RELEASE_FIELDS]


@dataclass(frozen=True)
class RangeDifference:
    key: str
    field: str
    stored: object
    expected: object


def market_ranges_verify(*, now=None) -> list[RangeDifference]:
    """Recompute every segment from scratch and list where the stored ranges differ.

    Covers segments that have data and segments that have a stored range, so a range left behind
    after its last posting closed is caught as well as a missing one. Works one segment shape at a time,
    so memory follows the largest shape, not the whole ranges table.
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        compute = _expected_in_database
    else:
        compute = partial(_expected_by_segment, with_data=segment_keys_with_data(now))
    differences = []
    for shape in SHAPES:
        expected = dict(compute(shape, now))
        stored = {row[0]: row[1:] for row in _stored(shape).values_list("key", *CHECKED_FIELDS).iterator()}
        for key in sorted(set(stored) | set(expected)):
            stats = expected.get(key, EMPTY_STATS)
            if key not in stored and not stats.sample_size:
                continue  # no data and no stored range: nothing to show, nothing wrong
            values = {**stats.field_values(), **range_release(stats).field_values()}
            have = dict(zip(CHECKED_FIELDS, stored[key], strict=True)) if key in stored else {}
            for field in CHECKED_FIELDS:
                if have.get(field) != values[field]:
                    differences.append(RangeDifference(key, field, have.get(field), values[field]))
    return differences


def _stored(shape):
    scope, by_size, by_sector, remote_only, window = shape
    ranges = MarketRange.objects.filter(scope=scope, remote=remote_only, window=window).order_by()
    ranges = ranges.exclude(size_band="") if by_size else ranges.filter(size_band="")
    return ranges.exclude(sector="") if by_sector else ranges.filter(sector="")


SHAPES = [
    (scope, by_size, by_sector, remote_only, window)
    for scope in (CITY, COUNTRY, REGION, WORLD)
    for by_size in (True, False)
    for by_sector in ((False,) if scope == CITY else (True, False))
    for remote_only in (False, True)
    for window in WINDOWS
]


def _expected_by_segment(shape, now, *, with_data: set[str]) -> Iterator[tuple[str, SegmentStats]]:
    """SQLite: the shape's segments with data or a stored range, one by one through the ORM's filters."""
    keys = set(_stored(shape).values_list("key", flat=True))
    keys |= {key for key in with_data if _shape_of(Segment.from_key(key)) == shape}
    for key in sorted(keys):
        yield key, segment_stats_compute(segment=Segment.from_key(key), now=now)


def _shape_of(segment: Segment):
    return (segment.scope, bool(segment.size_band), bool(segment.sector), segment.remote, segment.window)


def _expected_in_database(shape, now) -> Iterator[tuple[str, SegmentStats]]:
    """PostgreSQL: every segment of the shape in one statement."""
    sql, params = _shape_sql(shape, now=now, recent_year=first_work_year_in(WINDOW_12M, now.date()))
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorts in memory, and no JIT compilation, which costs more than it saves here; this transaction only.
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [settings.MARKET_SQL_WORK_MEM]
        )
        cursor.execute(sql, params)
        for row in cursor:
            key, n, postings, contributors, low, high, mean, cuts, total_n, total_mean, total_cuts, *rest = row
            recent, largest, total_contributors, total_largest, key_sum, total_key_sum = rest
            yield key, segment_stats_build(
                n=n, n_postings=postings, contributors=contributors, largest=largest, mean=mean, low=low,
                high=high, cuts=as_numerics(cuts), recent=recent, total_n=total_n, total_mean=total_mean,
                total_cuts=as_numerics(total_cuts), total_contributors=total_contributors,
                total_largest=total_largest, key_sum=key_sum, total_key_sum=total_key_sum,
            )  # fmt: skip


def _shape_sql(shape, *, now, recent_year) -> tuple[str, list]:
    """Every segment of one shape, with every verified statistic, in one statement."""
    scope, by_size, by_sector, remote_only, window = shape
    posting_sql, posting_params = (
        JobPosting.objects.market_points(now)
        .order_by()
        .annotate(p_size=F("company__size_band"), p_sector=F("company__sector"))
        .values_list(
            "role_family", "level", "country", "city_slug", "p_size", "p_sector", "remote_policy", "salary_mid_usd",
            "total_comp_mid_usd", "company_id", "disclosure_key",
        )
        .query.sql_with_params()
    )  # fmt: skip
    sources = [
        f"""SELECT p.role_family, p.level, p.country, p.city_slug AS city, p.p_size AS size_band,
                   p.p_sector AS sector, p.remote_policy = %s AS remote, TRUE AS recent, p.salary_mid_usd AS pay,
                   p.total_comp_mid_usd AS total, 'p' AS kind, p.company_id AS contributor,
                   p.disclosure_key AS record_key
            FROM ({posting_sql}) p"""
    ]
    params: list = [RemotePolicy.REMOTE, *posting_params]
    if scope != CITY and not by_sector:  # surveys give no city and no sector
        record_sql, record_params = (
            SalaryObservation.objects.order_by()
            .values_list(
                "role_family", "level", "country", "company_size", "remote_ratio", "salary_usd", "id", "work_year",
                "disclosure_key",
            )
            .query.sql_with_params()
        )  # fmt: skip
        sources.append(
            f"""SELECT o.role_family, o.level, o.country, '' AS city, o.company_size AS size_band,
                       '' AS sector, o.remote_ratio = 100 AS remote, o.work_year >= %s AS recent, o.salary_usd AS pay,
                       NULL::numeric AS total, 'o' AS kind, o.id AS contributor, o.disclosure_key AS record_key
                FROM ({record_sql}) o"""
        )
        params += [recent_year, *record_params]
    place = {CITY: "d.country || '.' || d.city", COUNTRY: "d.country", REGION: "r.region", WORLD: "'-'"}[scope]
    size = "d.size_band" if by_size else f"'{ANY}'"
    # The sector sits between size band and remote policy in a key, and only when there is one.
    sector = "':' || d.sector" if by_sector else "''"
    remote = "remote" if remote_only else ANY
    where = ["TRUE"]
    if scope == CITY:
        where.append("d.city <> ''")
    if by_size:
        where.append("d.size_band <> ''")
    if by_sector:
        where.append("d.sector <> ''")
    if remote_only:
        where.append("d.remote")
    if window == WINDOW_12M:
        where.append("d.recent")
    region_join = ""
    if scope == REGION:
        region_join = "JOIN unnest(%s::text[], %s::text[]) AS r(country, region) ON r.country = d.country"
        params += [list(REGION_OF), list(REGION_OF.values())]
    fractions = ", ".join(str(f) for f in FRACTIONS.values())
    groups = "role_family, level, place, size"
    sql = f"""
        WITH points AS MATERIALIZED (
            SELECT d.role_family, d.level, {place} AS place, {size} || {sector} AS size,
                   d.pay, d.total, d.kind, d.contributor, d.recent, d.record_key
            FROM ({" UNION ALL ".join(sources)}) d {region_join}
            WHERE {" AND ".join(where)}
        ),
        contributors AS (
            SELECT {groups}, count(*) AS contributors, max(n) AS largest,
                   count(*) FILTER (WHERE n_total > 0) AS total_contributors,
                   coalesce(max(n_total), 0) AS total_largest
            FROM (SELECT {groups}, count(*) AS n, count(total) AS n_total
                  FROM points GROUP BY {groups}, kind, contributor) c
            GROUP BY {groups}
        )
        SELECT role_family || ':' || level || ':{scope}:' || place || ':' || size || ':{remote}:{window}',
               s.n, s.postings, c.contributors, s.low, s.high, s.mean, s.cuts, s.total_n, s.total_mean,
               s.total_cuts, s.recent, c.largest, c.total_contributors, c.total_largest, s.key_sum, s.total_key_sum
        FROM (
            SELECT {groups}, count(*) AS n, count(*) FILTER (WHERE kind = 'p') AS postings,
                   min(pay) AS low, max(pay) AS high, avg(pay) AS mean,
                   percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY pay) AS cuts,
                   count(total) AS total_n, avg(total) AS total_mean,
                   percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY total) AS total_cuts,
                   count(*) FILTER (WHERE recent) AS recent,
                   sum(record_key) AS key_sum, coalesce(sum(record_key) FILTER (WHERE total IS NOT NULL), 0) AS total_key_sum
            FROM points GROUP BY {groups}
        ) s JOIN contributors c USING ({groups})
    """
    return sql, params
