"""Daily snapshots of published market ranges' releases, for trends."""

import time

from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot


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
