"""Many segments' statistics at once, set-based, in PostgreSQL: one statement per segment shape.

A segment's shape is what its key says apart from role, level and place values: the scope (city,
country, region, world), whether it is one size band or any, remote-only or not, and the window.
There are 4 × 2 × 2 × 2 = 32 shapes. For one shape, one statement groups the data points by segment
key and computes every statistic the engine stores, with `percentile_cont` (the same definition
insights.percentiles applies on SQLite). A rebuild runs every shape over all the data; a drain of
marked segments runs only the shapes it needs, over only the rows of its segments' role, level and
(for city and country scopes) country, so its cost follows the size of the segments, not the table.

The data points come from the same querysets as everywhere else: `JobPosting.objects.visible()`
(the one visibility rule) and `SalaryObservation`.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import connection
from django.db.models import F

from insights.percentiles import FRACTIONS
from insights.regions import REGION_OF
from insights.segments import ANY, CITY, COUNTRY, REGION, WINDOW_12M, WINDOWS, WORLD, Segment, first_work_year_in
from jobs.models import JobPosting, RemotePolicy
from salaries.models import SalaryObservation

Shape = tuple[str, bool, bool, str]  # scope, one size band, remote only, window
SHAPES: list[Shape] = [
    (scope, by_size, remote_only, window)
    for scope in (CITY, COUNTRY, REGION, WORLD)
    for by_size in (True, False)
    for remote_only in (False, True)
    for window in WINDOWS
]

# One row per segment: key, n, postings, contributors, min, max, mean, percentiles[5],
# totals n, totals mean, totals percentiles[5], recent, largest contributor's points.
StatsRow = tuple


def shape_of(segment: Segment) -> Shape:
    return (segment.scope, bool(segment.size_band), segment.remote, segment.window)


def segment_rows(*, now, keys: Iterable[str] | None = None) -> Iterator[StatsRow]:
    """Statistics rows of the given segments (every segment with data when `keys` is None).

    Segments without data yield no row. Rows stream from a server-side cursor, shape by shape.
    """
    recent_year = first_work_year_in(WINDOW_12M, now.date())
    if keys is None:
        plan = [(shape, None) for shape in SHAPES]
    else:
        by_shape: dict[Shape, list[Segment]] = defaultdict(list)
        for key in keys:
            segment = Segment.from_key(key)
            by_shape[shape_of(segment)].append(segment)
        plan = sorted(by_shape.items())
    for shape, segments in plan:
        sql, params = _shape_sql(shape, segments, now=now, recent_year=recent_year)
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(2000):
                yield from batch


def _shape_sql(shape: Shape, segments: list[Segment] | None, *, now, recent_year) -> tuple[str, list]:
    scope, by_size, remote_only, window = shape
    postings = JobPosting.objects.visible(now).order_by()
    observations = SalaryObservation.objects.order_by()
    posting_sql, posting_params = (
        postings.annotate(p_size=F("company__size_band"))
        .values_list(
            "role_family",
            "level",
            "country",
            "city_slug",
            "p_size",
            "remote_policy",
            "salary_mid_usd",
            "total_comp_mid_usd",
            "company_id",
        )  # fmt: skip
        .query.sql_with_params()
    )
    sources = [
        f"""SELECT p.role_family, p.level, p.country, p.city_slug AS city, p.p_size AS size_band,
                   p.remote_policy = %s AS remote, TRUE AS recent, p.salary_mid_usd AS pay,
                   p.total_comp_mid_usd AS total, 'p' AS kind, p.company_id AS contributor
            FROM ({posting_sql}) p"""
    ]
    params: list = [RemotePolicy.REMOTE, *posting_params]
    if scope != CITY:  # surveys give no city
        observation_sql, observation_params = observations.values_list(
            "role_family", "level", "country", "company_size", "remote_ratio", "salary_usd", "id", "work_year"
        ).query.sql_with_params()
        sources.append(
            f"""SELECT o.role_family, o.level, o.country, '' AS city, o.company_size AS size_band,
                       o.remote_ratio = 100 AS remote, o.work_year >= %s AS recent, o.salary_usd AS pay,
                       NULL::numeric AS total, 'o' AS kind, o.id AS contributor
                FROM ({observation_sql}) o"""
        )
        params += [recent_year, *observation_params]

    place = {CITY: "d.country || '.' || d.city", COUNTRY: "d.country", REGION: "r.region", WORLD: "'-'"}[scope]
    size = "d.size_band" if by_size else f"'{ANY}'"
    remote = "remote" if remote_only else ANY
    where = ["TRUE"]
    if scope == CITY:
        where.append("d.city <> ''")
    if by_size:
        where.append("d.size_band <> ''")
    if remote_only:
        where.append("d.remote")
    if window == WINDOW_12M:
        where.append("d.recent")
    region_join = ""
    if scope == REGION:
        region_join = "JOIN unnest(%s::text[], %s::text[]) AS r(country, region) ON r.country = d.country"
        params += [list(REGION_OF), list(REGION_OF.values())]
    row_filter = ""
    if segments is not None:
        # Only the rows that can fall in these segments: first a semi-join on (role, level) or, for the
        # narrow scopes, (role, level, country), which the (role_family, level, country) indexes serve;
        # then on the segments' keys.
        pairs = _rows_of(segments)
        if all(countries is not None for countries in pairs.values()):
            triples = sorted((role, level, c) for (role, level), countries in pairs.items() for c in countries)
            row_filter = (
                "AND (d.role_family, d.level, d.country) IN (SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))"
            )
            params += [list(column) for column in zip(*triples, strict=True)]
        else:
            row_filter = "AND (d.role_family, d.level) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
            params += [list(column) for column in zip(*sorted(pairs), strict=True)]
        key = f"d.role_family || ':' || d.level || ':{scope}:' || {place} || ':' || {size} || ':{remote}:{window}'"
        row_filter += f" AND {key} = ANY(%s)"
        params.append([segment.key for segment in segments])
    fractions = ", ".join(str(f) for f in FRACTIONS.values())
    groups = "role_family, level, place, size"
    sql = f"""
        WITH points AS MATERIALIZED (
            SELECT d.role_family, d.level, {place} AS place, {size} AS size,
                   d.pay, d.total, d.kind, d.contributor, d.recent
            FROM ({" UNION ALL ".join(sources)}) d {region_join}
            WHERE {" AND ".join(where)} {row_filter}
        ),
        contributors AS (
            SELECT {groups}, count(*) AS contributors, max(n) AS largest
            FROM (SELECT {groups}, count(*) AS n FROM points GROUP BY {groups}, kind, contributor) c
            GROUP BY {groups}
        )
        SELECT role_family || ':' || level || ':{scope}:' || place || ':' || size || ':{remote}:{window}',
               s.n, s.postings, c.contributors, s.low, s.high, s.mean, s.cuts, s.total_n, s.total_mean,
               s.total_cuts, s.recent, c.largest
        FROM (
            SELECT {groups}, count(*) AS n, count(*) FILTER (WHERE kind = 'p') AS postings,
                   min(pay) AS low, max(pay) AS high, avg(pay) AS mean,
                   percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY pay) AS cuts,
                   count(total) AS total_n, avg(total) AS total_mean,
                   percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY total) AS total_cuts,
                   count(*) FILTER (WHERE recent) AS recent
            FROM points GROUP BY {groups}
        ) s JOIN contributors c USING ({groups})
    """
    return sql, params


def _rows_of(segments: list[Segment]) -> dict[tuple[str, str], set[str] | None]:
    """For each (role, level) among the segments, the countries whose rows they can hold (None: any)."""
    wanted: dict[tuple[str, str], set[str] | None] = {}
    for segment in segments:
        pair = (segment.role_family, segment.level)
        if segment.scope in (CITY, COUNTRY):
            countries = {segment.country}
        elif segment.scope == REGION:
            countries = {code for code, region in REGION_OF.items() if region == segment.place}
        else:
            countries = None
        if countries is None or wanted.get(pair, set()) is None:
            wanted[pair] = None
        else:
            wanted[pair] = wanted.get(pair, set()) | countries
    return wanted


def as_decimals(cuts) -> list[Decimal]:
    return [Decimal(repr(c)) for c in cuts] if cuts else []
