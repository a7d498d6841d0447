"""Daily snapshots of published market ranges' releases, for trends."""

import time
from datetime import date, datetime
from datetime import time as clock

from django.utils import timezone

from insights.disclosure import range_release
from insights.models import MarketRange, MarketRangeSnapshot
from insights.services.segment_stats import segment_stats_stream


def market_ranges_snapshot(*, day=None, chunk_size=2000) -> int:
    """Keep today's release of every published range. Running it again the same day refreshes that day's row."""
    day = day or timezone.now().date()
    written, after = 0, ""
    while after is not None:
        done, after = market_ranges_snapshot_part(day=day, after=after, chunk_size=chunk_size)
        written += done
    return written


def market_ranges_snapshot_part(*, day, after="", chunk_size=2000, seconds=None) -> tuple[int, str | None]:
    """Snapshot the published ranges whose keys sort after `after`, a chunk at a time in key order, for about
    `seconds` (all of them when None). Returns the rows written and the last key done, or None when none are left.

    Only releases are kept (never exact figures), so history shows what the public saw that day. Chunks keep
    memory flat; parts keep a daily run at a million postings inside a task's time limit."""
    started, written = time.monotonic(), 0
    published = MarketRange.objects.filter(published=True).order_by("key").values_list("key", "release", "computed_at")
    while chunk := list(published.filter(key__gt=after)[:chunk_size]):
        after = chunk[-1][0]
        rows = [
            MarketRangeSnapshot(key=key, day=day, release=release, computed_at=computed_at)
            for key, release, computed_at in chunk
        ]
        MarketRangeSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["key", "day"], update_fields=["release", "computed_at"],
            batch_size=1000,
        )  # fmt: skip
        written += len(rows)
        if len(chunk) < chunk_size:
            break
        if seconds is not None and time.monotonic() - started >= seconds:
            return written, after
    return written, None


def market_ranges_backfill_history(*, days: list[date]) -> int:
    """Write the snapshot each past day would have had: every range's release decided by today's rule from the
    data points published and visible at the end of that day (the same cell-key noise, so a backfilled day
    tells no more than a day recorded live). For data loaded with its own dates (the demo; an import of old
    postings); a day already snapshotted is rewritten. Returns the rows written."""
    written = 0
    for day in sorted(days):
        as_of = timezone.make_aware(datetime.combine(day, clock(23, 59, 59)))
        rows = []
        for key, stats in segment_stats_stream(now=as_of, as_of_past=True):
            release = range_release(stats)
            if release.published:
                rows.append(MarketRangeSnapshot(key=key, day=day, release=release.figures, computed_at=as_of))
        MarketRangeSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["key", "day"], update_fields=["release", "computed_at"],
            batch_size=1000,
        )  # fmt: skip
        written += len(rows)
    return written
