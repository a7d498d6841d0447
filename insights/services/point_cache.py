"""Where a drain keeps the data points between batches, so a batch reads what changed, not the table.

Why: a worldwide segment's percentiles need every point of its role family and level (its partition), so
under a steady stream of publishes every batch would read nearly the whole table again. A worker process
instead keeps each partition's points in memory (NumPy arrays sorted by pay) and, per batch:

1. re-reads the postings and survey records saved since its last batch (`updated_at`, indexed, with a
   margin for clock skew and slow commits) and replaces their points. Every write path saves what it
   changes (the posting services, `company_save` for a new size band, the survey importer), and expiry
   needs no read: each point keeps its expiry time;
2. computes each wanted segment from the partition's arrays: a mask of its points, already in pay order.

A safety net catches what no write path announces (an edit in SQL, a restored backup, a commit slower than
the margin): every `MARKET_POINT_CACHE_CHECK_SECONDS` the batch also asks PostgreSQL, in the same statement
as the changes (one snapshot), for a checksum of each cached partition: its count and sums of per-point
products of identity, pay, total, contributor, work year and a hash of place, size, sector and remote
policy. A partition that differs is read again, and its segments are marked, so anything computed from the
stale copy is recomputed by the next batch.

The statistics are the one-pass engine's to the last digit (the same rank arithmetic on the same cents;
tests compare every segment). PostgreSQL only (`MARKET_POINT_CACHE`); rebuilds and `verify_market_ranges`
never use it. Memory: seven 8-byte numbers and two 4-byte ones per point, about 70 MB per worker process at a
million postings.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from insights.models import MarketRange
from insights.segments import (
    SCOPES,
    WINDOW_12M,
    WINDOW_ALL,
    Segment,
    first_work_year_in,
    places_for,
    segments_for,
)
from insights.services.dirty import segments_mark_dirty
from insights.services.segment_stats import (
    RECORD_IDENTITY_OFFSET,
    SegmentStats,
    points_sql,
    segment_stats_from_sorted,
    segments_by_partition,
)
from jobs.models import JobPosting
from salaries.models import ObservationDeletion, SalaryObservation

logger = logging.getLogger(__name__)

# Postings saved this long before the previous batch started are read again: covers clock differences
# between web servers and workers, and commits that land a while after the row was saved.
CHANGE_MARGIN = timedelta(seconds=10)
# Checksum products use residues modulo this prime, so every product stays under 2⁴⁰ and a partition's
# sums fit a 64-bit integer up to millions of points.
_M = 1_000_003


@dataclass
class _Partition:
    """One role family and level: its points as parallel arrays, sorted by pay."""

    ident: np.ndarray  # posting id, or survey record id + RECORD_IDENTITY_OFFSET
    pay: np.ndarray  # cents
    total: np.ndarray  # cents, −1 where none (survey records)
    key: np.ndarray  # disclosure key (insights.disclosure)
    contributor: np.ndarray  # company id (> 0) or −record id (< 0)
    year: np.ndarray  # survey work year; 0 for postings
    expires: np.ndarray  # epoch seconds; +inf for none
    place_hash: np.ndarray  # PostgreSQL's hashtext of place, size, sector and remote policy
    cell: np.ndarray  # index into `cells`
    cells: list[tuple] = field(default_factory=list)  # (country, city, size band, sector, remote)
    _cell_codes: dict | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple], cells: list[tuple] | None = None) -> "_Partition":
        cells = list(cells or [])
        index = {cell: number for number, cell in enumerate(cells)}
        codes = []
        for row in rows:
            cell = (row[2], row[3], row[4], row[5], bool(row[6]))
            number = index.get(cell)
            if number is None:
                number = index[cell] = len(cells)
                cells.append(cell)
            codes.append(number)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 15
        part = cls(
            ident=np.array(columns[12], dtype=np.int64),
            pay=np.array(columns[9], dtype=np.int64),
            total=np.array([-1 if t is None else t for t in columns[10]], dtype=np.int64),
            key=np.array(columns[11], dtype=np.int64),
            contributor=np.array(columns[8], dtype=np.int64),
            year=np.array([0 if y is None else y for y in columns[7]], dtype=np.int32),
            expires=np.array([np.inf if e is None else float(e) for e in columns[13]], dtype=np.float64),
            place_hash=np.array(columns[14], dtype=np.int64),
            cell=np.array(codes, dtype=np.int32),
            cells=cells,
        )
        part._sort()
        return part

    def _sort(self) -> None:
        order = np.argsort(self.pay, kind="stable")
        for name in ("ident", "pay", "total", "key", "contributor", "year", "expires", "place_hash", "cell"):
            setattr(self, name, getattr(self, name)[order])

    def replace(self, remove: np.ndarray, rows: list[tuple]) -> None:
        """Drop the points with these identities, then add these rows."""
        keep = ~np.isin(self.ident, remove)
        added = _Partition.from_rows(rows, self.cells)
        if len(added.cells) != len(self.cells):  # cells are only ever appended: masks of old ones hold
            self.cells, self._cell_codes = added.cells, None
        for name in ("ident", "pay", "total", "key", "contributor", "year", "expires", "place_hash", "cell"):
            setattr(self, name, np.concatenate([getattr(self, name)[keep], getattr(added, name)]))
        self._sort()

    def checksum(self, now_epoch: float) -> tuple[int, ...]:
        """The same figures as `_CHECKSUM_SQL`, over the points visible at `now_epoch`."""
        visible = self.expires > now_epoch
        ident = self.ident[visible] % _M
        total = np.where(self.total[visible] < 0, 0, self.total[visible])
        return (
            int(visible.sum()),
            int((self.pay[visible] % _M).sum()),
            int((ident * (self.pay[visible] % _M)).sum()),
            int((ident * (total % _M)).sum()),
            int((ident * (np.abs(self.contributor[visible]) % _M)).sum()),
            int((ident * self.year[visible]).sum()),
            int((ident * (self.place_hash[visible] % _M)).sum()),
        )

    def window_masks(self, now_epoch: float, recent_year: int) -> dict[str, np.ndarray]:
        """The points each window holds at `now_epoch` (visible; and, for 12 months, recent), once per batch."""
        visible = self.expires > now_epoch
        return {WINDOW_ALL: visible, WINDOW_12M: visible & ((self.year == 0) | (self.year >= recent_year))}

    def segment_stats(
        self, segment: Segment, windows: dict[str, np.ndarray], recent_year: int, memo: dict
    ) -> SegmentStats | None:
        """One segment's statistics. Segments holding the same points share them through `memo` (one batch,
        one partition): a sector's 12-month and all-time segments always do, since they hold postings only,
        and so do many small places' segments."""
        codes = self._codes()
        place = _CODES.get(segment.place)
        in_cells = codes[segment.scope] == (-2 if place is None else place)
        if not in_cells.any():
            return None
        if segment.size_band:
            in_cells &= codes["size"] == _CODES.get(segment.size_band, -2)
        if segment.sector:
            in_cells &= codes["sector"] == _CODES.get(segment.sector, -2)
        if segment.remote:
            in_cells &= codes["remote"]
        chosen = in_cells[self.cell] & windows[segment.window]
        fingerprint = np.packbits(chosen).tobytes()
        if fingerprint not in memo:
            where = np.flatnonzero(chosen)
            memo[fingerprint] = (
                _stats(
                    self.pay[where],
                    self.total[where],
                    self.key[where],
                    self.contributor[where],
                    self.year[where],
                    recent_year,
                )
                if where.size
                else None
            )
        return memo[fingerprint]

    def _codes(self) -> dict[str, np.ndarray]:
        """Per cell, a code for its place at each scope, its size band and its sector (−1: none), and whether
        it is remote: a segment's cells are a comparison away. (A boolean mask per place over the cells
        instead took 65 MB at a million postings.)"""
        if self._cell_codes is None:
            count = len(self.cells)
            codes = {name: np.full(count, -1, dtype=np.int32) for name in (*SCOPES, "size", "sector")}
            codes["remote"] = np.zeros(count, dtype=bool)
            for number, (country, city, size_band, sector, is_remote) in enumerate(self.cells):
                for scope, place in _places(country, city):
                    codes[scope][number] = _code(place)
                if size_band:
                    codes["size"][number] = _code(size_band)
                if sector:
                    codes["sector"][number] = _code(sector)
                codes["remote"][number] = is_remote
            self._cell_codes = codes
        return self._cell_codes


_LOAD_BATCH = 5_000
_NONE = np.empty(0, dtype=np.int64)
_CODES: dict[str, int] = {}  # places, size bands and sectors, numbered as first seen (a few thousand)


def _code(value: str) -> int:
    return _CODES.setdefault(value, len(_CODES))


@lru_cache(maxsize=100_000)
def _places(country: str, city: str) -> tuple[tuple[str, str], ...]:
    return tuple(places_for(country=country, city=city))


def _stats(pays, totals, keys, contributors, years, recent_year: int) -> SegmentStats:
    """The one-pass engine's figures from a segment's arrays, pays ascending."""
    companies, counts = np.unique(contributors, return_counts=True)
    largest = int(counts.max())
    surveyed = int(np.count_nonzero(years))
    if surveyed:  # totals come from postings only: their contributors are the companies (ids above zero)
        per_company = counts[companies > 0]
        total_contributors, total_largest = int(per_company.size), int(per_company.max(initial=0))
    else:
        total_contributors, total_largest = int(companies.size), largest
    with_total = totals >= 0
    key_sum, total_key_sum = int(keys.sum()), int(keys[with_total].sum())  # keys < 2³¹: no overflow below 2³² points
    totals = np.sort(totals[with_total])
    return segment_stats_from_sorted(
        pays, totals, pay_sum=_exact_sum(pays), total_sum=_exact_sum(totals), contributors=int(companies.size),
        largest=largest, total_contributors=total_contributors, total_largest=total_largest, surveyed=surveyed,
        older=int(np.count_nonzero((years > 0) & (years < recent_year))), key_sum=key_sum,
        total_key_sum=total_key_sum,
    )  # fmt: skip


def _exact_sum(values: np.ndarray) -> int:
    """Sum of non-negative cents without 64-bit overflow."""
    if values.size and int(values.max()) * values.size >= 2**62:
        return sum(values.tolist())
    return int(values.sum())


_CHECKSUM_SQL = f"""
    SELECT role_family, level, count(*) AS n, sum(pay %% {_M}) AS s1, sum((ident %% {_M}) * (pay %% {_M})) AS s2,
           sum((ident %% {_M}) * (coalesce(total, 0) %% {_M})) AS s3,
           sum((ident %% {_M}) * (abs(contributor) %% {_M})) AS s4,
           sum((ident %% {_M}) * coalesce(work_year, 0)) AS s5,
           sum((ident %% {_M}) * ((place_hash::bigint %% {_M} + {_M}) %% {_M})) AS s6
    FROM ({{points}}) points
    GROUP BY role_family, level
"""


class PointCache:
    """One worker process's copy of the data points, partition by partition."""

    def __init__(self):
        self.partitions: dict[tuple[str, str], _Partition] = {}
        self.recent_year: int | None = None
        self.synced_at = None  # when the last batch started reading changes
        self.checked_at = None  # when the last checksum comparison ran
        self.reloads = 0  # partitions read again because their checksum differed (for tests and benchmarks)

    def segment_stats(self, *, now, keys) -> dict[str, SegmentStats]:
        recent_year = first_work_year_in(WINDOW_12M, now.date())
        if recent_year != self.recent_year:  # the 12-month window moved past a work year: start again
            self.partitions.clear()
            self.recent_year = recent_year
        wanted, _ = segments_by_partition(keys)
        started = timezone.now()
        loading = [partition for partition in sorted(wanted) if partition not in self.partitions]
        self._load(now, loading)
        check = self.checked_at is None or started - self.checked_at >= timedelta(
            seconds=settings.MARKET_POINT_CACHE_CHECK_SECONDS
        )
        checked = sorted(set(self.partitions) - set(loading)) if check else []  # just read: nothing to compare
        since = (self.synced_at or started) - CHANGE_MARGIN
        stored = self._read_changes(now, since, checksums_of=checked or None)
        self.synced_at = started
        now_epoch = now.timestamp()
        if check:
            self.checked_at = started
            empty = (0,) * 7
            stale = [p for p in checked if self.partitions[p].checksum(now_epoch) != stored.get(p, empty)]
            if stale:
                logger.warning("Point cache: %d partitions differed from the database; read again.", len(stale))
                self.reloads += len(stale)
                self._load(now, stale)
                self._mark_again(stale)
        result = {}
        for partition in sorted(wanted):
            part = self.partitions[partition]
            windows, memo = part.window_masks(now_epoch, recent_year), {}
            for suffix in sorted(wanted[partition]):
                key = f"{partition[0]}:{partition[1]}:{suffix}"
                stats = part.segment_stats(Segment.from_key(key), windows, recent_year, memo)
                if stats is not None:
                    result[key] = stats
        return result

    def _read_changes(self, now, since, *, checksums_of) -> dict[tuple[str, str], tuple[int, ...]]:
        """Replace the points of the postings and survey records saved since `since`; with `checksums_of`,
        also return those partitions' checksums, read in the same statement (one snapshot, so a publish
        committing meanwhile cannot make the cache and the checksums disagree)."""
        changed = Q(updated_at__gte=since)
        if self.partitions:  # only the points of partitions held here (a sharded worker holds about 1/N of them)
            held = Q(pk__in=[])
            for role, level in sorted(self.partitions):
                held |= Q(role_family=role, level=level)
            changed &= held
        changed_sql, changed_params = points_sql(now, posting_filter=changed, record_filter=changed, identity=True)
        columns = (
            "role_family, level, country, city, size_band, sector, remote, work_year, contributor, pay, total,"
            " disclosure_key, ident,"
            " expires, place_hash"
        )
        checksums_sql, checksums_params = "NULL::json", []
        if checksums_of:
            condition = Q(pk__in=[])
            for role, level in checksums_of:
                condition |= Q(role_family=role, level=level)
            points, checksums_params = points_sql(now, posting_filter=condition, record_filter=condition, identity=True)
            checksums_sql = (
                "(SELECT json_agg(json_build_array(role_family, level, n, s1, s2, s3, s4, s5, s6)) "
                f"FROM ({_CHECKSUM_SQL.format(points=points)}) checksums)"
            )
        sql = f"""
            SELECT (SELECT array_agg(id) FROM {JobPosting._meta.db_table} WHERE updated_at >= %s),
                   (SELECT array_agg(id + {RECORD_IDENTITY_OFFSET}) FROM {SalaryObservation._meta.db_table} WHERE updated_at >= %s),
                   (SELECT array_agg(observation_id + {RECORD_IDENTITY_OFFSET}) FROM {ObservationDeletion._meta.db_table}
                    WHERE deleted_at >= %s),
                   (SELECT json_agg(json_build_array({columns})) FROM ({changed_sql}) changed),
                   {checksums_sql}
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [since, since, since, *changed_params, *checksums_params])
            posting_ids, record_idents, deleted_idents, changed_rows, checksums = cursor.fetchone()
        # Deleted records leave no row to notice: their ids are kept in ObservationDeletion (salaries.services).
        removed = [*(posting_ids or []), *(record_idents or []), *(deleted_idents or [])]
        if removed and self.partitions:
            by_partition = defaultdict(list)
            for row in changed_rows or []:
                by_partition[row[0], row[1]].append(tuple(row))
            remove = np.array(removed, dtype=np.int64)
            for partition, part in self.partitions.items():
                added = by_partition.get(partition, [])
                if added or np.isin(part.ident, remove).any():
                    part.replace(remove, added)
        return {(row[0], row[1]): tuple(int(value) for value in row[2:]) for row in checksums or []}

    def _load(self, now, partitions: list[tuple[str, str]]) -> None:
        """Read these partitions whole, one query each, turned into arrays a few thousand rows at a time: the
        rows' Python objects never pile up (reading a million points in one query held 1.3 GB of tuples at
        once; a partition at a time, 273 MB, most of it freed objects the allocator could not give back)."""
        for role, level in partitions:
            condition = Q(role_family=role, level=level)
            sql, params = points_sql(now, posting_filter=condition, record_filter=condition, identity=True)
            part = _Partition.from_rows([])
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(_LOAD_BATCH):
                    part.replace(_NONE, rows)
            self.partitions[role, level] = part

    def _mark_again(self, partitions: list[tuple[str, str]]) -> None:
        """Mark every segment of these partitions, stored or holding data now: ranges computed from the stale
        copy are recomputed by the next batch (this batch's own marks are cleared only if unchanged)."""
        keys: set[str] = set()
        for role, level in partitions:
            keys |= set(MarketRange.objects.filter(role_family=role, level=level).values_list("key", flat=True))
            for country, city, size_band, sector, remote in self.partitions[role, level].cells:
                for segment in segments_for(
                    role_family=role, level=level, country=country, city=city, size_band=size_band, sector=sector,
                    remote=remote,
                ):  # fmt: skip
                    keys.add(segment.key)
        segments_mark_dirty(keys=keys)


_cache = PointCache()


def point_cache_segment_stats(*, now, keys) -> dict[str, SegmentStats]:
    """Statistics of these segments at `now`, from this process's point cache (PostgreSQL only)."""
    return _cache.segment_stats(now=now, keys=keys)
