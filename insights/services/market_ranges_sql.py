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
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
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


def shape_of(segment: Segment) -> Shape:
    return (segment.scope, bool(segment.size_band), segment.remote, segment.window)


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
               s.total_cuts, s.recent, c.largest, role_family, level, place, size
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
    """Floats as PostgreSQL casts double precision to numeric (15 significant digits), so that rounding
    to cents gives the same cent in Python as `round(x::numeric, 2)` in the database."""
    return [float_to_decimal(c) for c in cuts] if cuts else []


def float_to_decimal(value: float) -> Decimal:
    return Decimal(format(value, ".15g"))


STATS_COLUMNS = [
    "sample_size", "posting_count", "observation_count", "recent_count", "company_count", "top_company_share",
    "mean", "pay_min", "pay_max", "p10", "p25", "p50", "p75", "p90", "total_sample_size", "total_mean",
    "total_p10", "total_p25", "total_p50", "total_p75", "total_p90", "computed_at",
]  # fmt: skip


def ranges_write(*, now, keys: Iterable[str] | None = None, on_progress=None) -> int:
    """Compute and store the ranges of the given segments (all with data when None) inside PostgreSQL:
    one INSERT … SELECT … ON CONFLICT per shape, so no row travels to Python. Returns rows written.

    Rounding is the database's: `round(x::numeric, 2)` for money, `round(n / total, 4)` for shares, which
    insights.services.market_ranges reproduces (float_to_decimal, ROUND_HALF_UP) on the Python paths.
    """
    from insights.models import MarketRange

    recent_year = first_work_year_in(WINDOW_12M, now.date())
    table = MarketRange._meta.db_table
    written = 0
    for shape, segments in _plan(keys):
        scope, _, remote_only, window = shape
        sql, params = _shape_sql(shape, segments, now=now, recent_year=recent_year)
        cut = "round(s.{0}[{1}]::numeric, 2)"
        columns = ["key", "role_family", "level", "scope", "place", "size_band", "remote", "window", *STATS_COLUMNS]
        values = [
            "s.key", "s.role_family", "s.level", f"'{scope}'", "CASE WHEN s.place = '-' THEN '' ELSE s.place END",
            f"CASE WHEN s.size = '{ANY}' THEN '' ELSE s.size END", "TRUE" if remote_only else "FALSE", f"'{window}'",
            "s.n", "s.postings", "s.n - s.postings", "s.recent", "s.contributors",
            "round(s.largest::numeric / s.n, 4)", "round(s.mean, 2)", "s.low", "s.high",
            *[cut.format("cuts", i) for i in range(1, 6)],
            "s.total_n", "round(s.total_mean, 2)", *[cut.format("total_cuts", i) for i in range(1, 6)], "%s",
        ]  # fmt: skip
        names = ["key", "n", "postings", "contributors", "low", "high", "mean", "cuts", "total_n", "total_mean",
                 "total_cuts", "recent", "largest", "role_family", "level", "place", "size"]  # fmt: skip
        statement = f"""
            INSERT INTO {table} ({", ".join(f'"{c}"' for c in columns)})
            SELECT {", ".join(values)} FROM ({sql}) AS s ({", ".join(names)})
            ON CONFLICT (key) DO UPDATE SET {", ".join(f'"{c}" = EXCLUDED."{c}"' for c in STATS_COLUMNS)}
            WHERE {table}.computed_at <= EXCLUDED.computed_at
        """  # never replace a range computed from newer data (a drain that ran during a rebuild)
        with transaction.atomic(), connection.cursor() as cursor:
            _tune(cursor)
            cursor.execute(statement, [now, *params])
            written += cursor.rowcount
        if on_progress:
            on_progress(cursor.rowcount)
    return written


def _tune(cursor) -> None:
    """For this transaction only: sorts in memory rather than in temporary files (a shape sorts every row
    of the batch twice), and no JIT compilation, which costs more than it saves on statements this short.
    MARKET_SQL_WORK_MEM sets the memory (PostgreSQL's work_mem, per sort)."""
    cursor.execute(
        "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [settings.MARKET_SQL_WORK_MEM]
    )


def ranges_empty_unless_computed(*, now, keys: Iterable[str] | None = None) -> int:
    """Empty every stored range (of these keys) not computed at `now` or later: its data is gone."""
    from insights.models import MarketRange

    table = MarketRange._meta.db_table
    empty = ", ".join(f'"{c}" = {0 if c.endswith(("size", "count", "share")) else "NULL"}' for c in STATS_COLUMNS[:-1])
    condition, params = "computed_at < %s", [now, now]
    if keys is not None:
        condition += " AND key = ANY(%s)"
        params.append(list(keys))
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET {empty}, "computed_at" = %s WHERE {condition}', params)
        return cursor.rowcount


def _plan(keys):
    if keys is None:
        return [(shape, None) for shape in SHAPES]
    by_shape: dict[Shape, list[Segment]] = defaultdict(list)
    for key in keys:
        segment = Segment.from_key(key)
        by_shape[shape_of(segment)].append(segment)
    return sorted(by_shape.items())
