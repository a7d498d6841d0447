"""Where segment statistics are computed: many segments in one pass over their data points.

Every segment lies inside one role family and level (a partition). The engine reads a partition's data
points once, sorted by pay, and drops each into its cell: the points sharing a place, size band, sector,
remote policy and recency, which every segment holds all or none of. A segment's values are then its cells'
sorted runs merged (in C, by timsort), and its percentiles are read off by rank: no per-segment query, one
Python step per point rather than one per point and segment, the same code on PostgreSQL and SQLite.
Rebuilds read every partition and keep every segment; drains read only the partitions (and, where the
segments allow, the countries) of the marked segments and keep only those.

Data points: each visible posting with the employer's own pay (`JobPosting.objects.market_points`: the one
visibility rule; estimates and postings without pay are no data points) gives its base midpoint and, when declared, its total-compensation midpoint; its contributor is its company. Each survey
record gives its base salary and is its own contributor; it counts in the 12-month window only if its work
year falls in it (`first_work_year_in`).

Exactness: pay is read as whole cents, so counts, sums, means, minima and maxima are exact; percentiles
follow PostgreSQL's `percentile_cont` to the last bit (insights.percentiles): a cent amount becomes the
double nearest to it, as PostgreSQL's numeric → double cast gives, and the interpolation does the same
float operations. `manage.py verify_market_ranges` checks the result against an independent computation.
"""

import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from insights.disclosure import cell_key
from insights.percentiles import FRACTIONS, float_percentile
from insights.regions import COUNTRIES_IN
from insights.segments import CITY, COUNTRY, REGION, WINDOW_12M, Segment, first_work_year_in, segments_for
from jobs.models import JobPosting, RemotePolicy
from salaries.models import SalaryObservation
from salaries.money import money
from salaries.taxonomy import Level, RoleFamily


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
    total_company_count: int = 0
    total_top_company_share: Decimal = Decimal(0)
    cell_key: int = 0  # insights.disclosure: the sum of the points' keys, and of the total-compensation points'
    total_cell_key: int = 0

    def field_values(self) -> dict:
        """The MarketRange fields these statistics fill, by name (pay_min and pay_max aside: internal only)."""
        return {
            "sample_size": self.sample_size,
            "posting_count": self.posting_count,
            "observation_count": self.observation_count,
            "recent_count": self.recent_count,
            "company_count": self.company_count,
            "top_company_share": self.top_company_share,
            "mean": self.mean,
            "total_sample_size": self.total_sample_size,
            "total_mean": self.total_mean,
            "total_company_count": self.total_company_count,
            "total_top_company_share": self.total_top_company_share,
            "cell_key": self.cell_key,
            "total_cell_key": self.total_cell_key,
            **self.percentiles,
            **{f"total_{name}": value for name, value in self.total_percentiles.items()},
        }


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


def segment_stats_build(
    *,
    n,
    n_postings,
    contributors,
    largest,
    mean,
    low,
    high,
    cuts,
    recent,
    total_n,
    total_mean,
    total_cuts,
    total_contributors=0,
    total_largest=0,
    key_sum=0,
    total_key_sum=0,
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
        total_company_count=total_contributors,
        total_top_company_share=(
            (Decimal(total_largest) / total_n).quantize(Decimal("0.0001"), ROUND_HALF_UP) if total_n else Decimal(0)
        ),
        cell_key=cell_key(key_sum),
        total_cell_key=cell_key(total_key_sum),
    )


class _Cell:
    """The data points of one partition that share a place, size band, sector, remote policy and recency:
    every segment holding one of them holds them all. Pays arrive ascending (the query's order)."""

    __slots__ = ("pays", "totals", "contributors", "surveyed", "older", "keys", "total_keys")

    def __init__(self):
        self.pays: list[int] = []  # cents, ascending
        self.totals: list[int] = []  # cents; sorted once the partition is read
        self.contributors: list[int] = []  # per point: company id (> 0) or −record id (< 0)
        self.surveyed = 0  # survey records
        self.older = 0  # survey records older than the 12-month window (all-time segments only)
        self.keys = 0  # sum of the points' disclosure keys (insights.disclosure)
        self.total_keys = 0  # the same, of the points with a total


def _stats_of(cells: list[_Cell]) -> SegmentStats:
    """A segment's statistics from its cells: their sorted runs merged (timsort merges runs in C)."""
    if len(cells) == 1:
        (cell,) = cells
        pays, totals, counts = cell.pays, cell.totals, Counter(cell.contributors)
        surveyed, older, keys, total_keys = cell.surveyed, cell.older, cell.keys, cell.total_keys
    else:
        pays, totals, contributors, surveyed, older, keys, total_keys = [], [], [], 0, 0, 0, 0
        for cell in cells:
            pays += cell.pays
            totals += cell.totals
            contributors += cell.contributors
            surveyed += cell.surveyed
            older += cell.older
            keys += cell.keys
            total_keys += cell.total_keys
        pays.sort()
        totals.sort()
        counts = Counter(contributors)
    largest = max(counts.values())
    # Totals come from postings only (every posting has one; survey records none), so their
    # contributors are the segment's companies: contributor ids above zero.
    if surveyed:
        per_company = [count for contributor, count in counts.items() if contributor > 0]
        total_contributors, total_largest = len(per_company), max(per_company, default=0)
    else:
        total_contributors, total_largest = len(counts), largest
    return segment_stats_from_sorted(
        pays, totals, pay_sum=sum(pays), total_sum=sum(totals), contributors=len(counts), largest=largest,
        total_contributors=total_contributors, total_largest=total_largest, surveyed=surveyed, older=older,
        key_sum=keys, total_key_sum=total_keys,
    )  # fmt: skip


def segment_stats_from_sorted(
    pays,
    totals,
    *,
    pay_sum,
    total_sum,
    contributors,
    largest,
    total_contributors,
    total_largest,
    surveyed,
    older,
    key_sum,
    total_key_sum,
) -> SegmentStats:
    """A segment's statistics from its pays and totals in ascending cents (lists or NumPy arrays), their
    exact sums and its contributor figures: where percentiles, means and extremes are read off, for this
    engine and the drain's point cache alike."""
    n, total_n = len(pays), len(totals)
    return segment_stats_build(
        n=n,
        n_postings=n - surveyed,
        contributors=contributors,
        largest=largest,
        mean=Decimal(pay_sum) / (100 * n),
        low=_cents(int(pays[0])),
        high=_cents(int(pays[-1])),
        cuts=[float_percentile(pays, f, scale=100) for f in _FRACTIONS],
        recent=n - older,
        total_n=total_n,
        total_mean=Decimal(total_sum) / (100 * total_n) if total_n else None,
        total_cuts=[float_percentile(totals, f, scale=100) for f in _FRACTIONS] if total_n else [],
        total_contributors=total_contributors,
        total_largest=total_largest,
        key_sum=key_sum,
        total_key_sum=total_key_sum,
    )


_FRACTIONS = [float(f) for f in FRACTIONS.values()]


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def segment_stats_stream(
    *, now, keys: Iterable[str] | None = None, as_of_past: bool = False
) -> Iterator[tuple[str, SegmentStats]]:
    """(key, stats) of the given segments that have data (every segment with data when `keys` is None),
    partition by partition. Memory follows the largest partition, not the table.

    `as_of_past`: `now` is a past moment, so postings published after it are left out too (today every
    visible posting was published already; only history backfills look back)."""
    recent_year = first_work_year_in(WINDOW_12M, now.date())
    wanted, rows_filter = (None, Q()) if keys is None else segments_by_partition(keys)
    published_by = Q(published_at__lte=now) if as_of_past else Q()
    for (role, level), rows in groupby(_points(now, rows_filter, published_by), key=itemgetter(0, 1)):
        suffixes = None if wanted is None else wanted[role, level]
        cells: dict[tuple, _Cell] = {}  # by place, size, sector, remote and recency
        # The hot loop of every rebuild and drain: each point goes to its one cell, with no calls of our own.
        for _, _, country, city, size, sector, remote, year, contributor, pay, total, key in rows:
            recent = year is None or year >= recent_year
            cell = cells.get((country, city, size, sector, remote, recent))
            if cell is None:
                cell = cells[country, city, size, sector, remote, recent] = _Cell()
            cell.pays.append(pay)
            cell.contributors.append(contributor)
            cell.keys += key
            if year is None:  # a posting: always in the window, maybe a total
                if total is not None:
                    cell.totals.append(total)
                    cell.total_keys += key
            else:  # a survey record: its own contributor, no total
                cell.surveyed += 1
                if not recent:
                    cell.older += 1
        members: dict[str, list[_Cell]] = defaultdict(list)  # wanted segment (key less "role:level:") → cells
        for (country, city, size, sector, remote, recent), cell in cells.items():
            cell.totals.sort()
            in_cell = _cell_segments(country, city, size, sector, bool(remote), recent)
            for suffix in in_cell if suffixes is None else in_cell & suffixes:
                members[suffix].append(cell)
        del cells
        # Segments made of the same cells hold the same points: computed once. (A sector's 12-month and
        # all-time segments always are, holding postings only; so are many small places' segments.)
        shared: dict[tuple[int, ...], SegmentStats] = {}
        for suffix in sorted(members):
            made_of = tuple(map(id, members[suffix]))
            if made_of not in shared:
                shared[made_of] = _stats_of(members[suffix])
            yield f"{role}:{level}:{suffix}", shared[made_of]


@lru_cache(maxsize=100_000)
def _cell_segments(country: str, city: str, size: str, sector: str, remote: bool, recent: bool) -> frozenset[str]:
    """The keys, less their "role:level:" prefix, of the segments holding a point of this cell (the same in
    every partition). A survey record older than the 12-month window is in the all-time segments only."""
    # Interned: the same suffixes recur in thousands of cells (a million postings give ~10,000 cells).
    return frozenset(
        sys.intern(segment.key.split(":", 2)[2])
        for segment in segments_for(
            role_family="", level="", country=country, city=city, size_band=size, sector=sector, remote=remote
        )
        if recent or segment.window != WINDOW_12M
    )


def segments_by_partition(keys: Iterable[str]) -> tuple[dict[tuple[str, str], set[str]], Q]:
    """The wanted keys (less their prefix) by partition, and a filter for the rows they can hold: their
    partitions and, where none of a partition's segments is worldwide, their countries."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    countries: dict[tuple[str, str], set[str] | None] = {}
    for key in keys:
        segment = Segment.from_key(key)
        partition = (segment.role_family, segment.level)
        wanted[partition].add(segment.key.split(":", 2)[2])
        if segment.scope in (CITY, COUNTRY):
            places = {segment.country}
        elif segment.scope == REGION:
            places = COUNTRIES_IN.get(segment.place, frozenset())
        else:
            places = None
        if places is None or (partition in countries and countries[partition] is None):
            countries[partition] = None
        else:
            countries.setdefault(partition, set()).update(places)
    rows_filter = Q(pk__in=[])
    for (role, level), places in sorted(countries.items()):
        condition = Q(role_family=role, level=level)
        rows_filter |= condition if places is None else condition & Q(country__in=sorted(places))
    return wanted, rows_filter


def _points(now, rows_filter: Q, published_by: Q) -> Iterator[tuple]:
    """Data points ordered by partition, then pay: (role family, level, country, city, size band, sector,
    remote, work year or None, contributor, pay cents, total cents or None, disclosure key). Survey records
    have no city, no sector and no total.

    Streamed from a server-side cursor on PostgreSQL, so a rebuild never holds the table in memory."""
    sql, params = points_sql(now, posting_filter=rows_filter & published_by, record_filter=rows_filter)
    # Partitions need only be contiguous, not in a language's order. One integer sort key (partition number,
    # then pay) sorts three times faster than (role family, level, pay): with 64 partitions nearly every
    # comparison of the text keys ties and falls through to the next key.
    sql = f"SELECT * FROM ({sql}) points ORDER BY {_PARTITION_NUMBER} * {_PAY_SPAN} + pay NULLS LAST, role_family, level, pay"
    with _sort_memory(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, [*params, *_PARTITION_NUMBER_PARAMS])
        while rows := cursor.fetchmany(5000):
            yield from rows


def points_sql(now, *, posting_filter: Q, record_filter: Q | None, identity: bool = False) -> tuple[str, list]:
    """The one definition of the data points, as SQL: visible postings (at `now`) and survey records, each
    filtered (no survey records when `record_filter` is None), with the columns of `_points`. With `identity`
    (PostgreSQL only), also each point's identity (posting id, or record id + 2⁴⁰), its expiry in epoch
    seconds (NULL: none) and a hash of its place, size, sector and remote policy, for
    insights.services.point_cache."""
    postings = JobPosting.objects.market_points(now).order_by().filter(posting_filter)
    records = SalaryObservation.objects.order_by().filter(record_filter or Q())
    posting_sql, posting_params = (
        postings.annotate(p_size=F("company__size_band"), p_sector=F("company__sector"))
        .values_list(
            "role_family", "level", "country", "city_slug", "p_size", "p_sector", "remote_policy", "company_id",
            "salary_mid_usd", "total_comp_mid_usd", "disclosure_key", "id", "expires_at",
        )
        .query.sql_with_params()
    )  # fmt: skip
    record_sql, record_params = records.values_list(
        "role_family",
        "level",
        "country",
        "company_size",
        "remote_ratio",
        "work_year",
        "id",
        "salary_usd",
        "disclosure_key",
    ).query.sql_with_params()
    posting_identity = record_identity = ""
    if identity:
        posting_identity = (
            ", p.id AS ident, extract(epoch FROM p.expires_at) AS expires,"
            " hashtext(concat_ws('|', p.country, p.city_slug, p.p_size, p.p_sector, p.remote_policy = %s)) AS place_hash"
        )
        record_identity = (
            f", r.id + {RECORD_IDENTITY_OFFSET}, NULL,"
            " hashtext(concat_ws('|', r.country, '', r.company_size, '', r.remote_ratio = 100))"
        )
    # Whole cents: exact on both databases (SQLite keeps decimals as doubles; round() recovers the cents).
    sql = f"""
        SELECT p.role_family AS role_family, p.level AS level, p.country AS country, p.city_slug AS city,
               p.p_size AS size_band, p.p_sector AS sector, p.remote_policy = %s AS remote, NULL AS work_year,
               p.company_id AS contributor, CAST(round(p.salary_mid_usd * 100) AS bigint) AS pay,
               CAST(round(p.total_comp_mid_usd * 100) AS bigint) AS total, p.disclosure_key AS disclosure_key{posting_identity}
        FROM ({posting_sql}) p
    """
    params = [RemotePolicy.REMOTE, *([RemotePolicy.REMOTE] if identity else []), *posting_params]
    if record_filter is None:
        return sql, params
    sql += f"""
        UNION ALL
        SELECT r.role_family, r.level, r.country, '', r.company_size, '', r.remote_ratio = 100, r.work_year, -r.id,
               CAST(round(r.salary_usd * 100) AS bigint), NULL, r.disclosure_key{record_identity}
        FROM ({record_sql}) r
    """
    return sql, [*params, *record_params]


# Survey records' identities in the point cache: their id plus this, so they never meet a posting's id.
RECORD_IDENTITY_OFFSET = 2**40


# Each (role family, level) of the vocabulary numbered 0..63, for the points' sort key. A partition outside the
# vocabulary (no write path makes one) gets NULL: sorted after the rest by its names, so still contiguous.
_PARTITION_NUMBER = (
    f"(CASE role_family {' '.join(['WHEN %s THEN %s'] * len(RoleFamily))} END * {len(Level)}"
    f" + CASE level {' '.join(['WHEN %s THEN %s'] * len(Level))} END)"
)
_PARTITION_NUMBER_PARAMS = [
    *(item for number, family in enumerate(RoleFamily.values) for item in (family, number)),
    *(item for number, level in enumerate(Level.values) for item in (level, number)),
]
# Wider than any pay in cents (salary columns hold 12 digits before the point: under 2⁴⁷ cents), so
# partition number × span + pay orders by partition, then pay, and stays far inside a 64-bit integer.
_PAY_SPAN = 2**48


@contextmanager
def _sort_memory():
    """On PostgreSQL, sort the points in memory (MARKET_SQL_WORK_MEM) rather than in temporary files: at its
    default of 4 MB PostgreSQL spills a 100,000-point sort to disk, which doubles the read."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('work_mem'), set_config('work_mem', %s, false)", [settings.MARKET_SQL_WORK_MEM]
        )
        previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, false)", [previous])
