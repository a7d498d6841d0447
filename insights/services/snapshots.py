"""Daily snapshots of publishable market ranges, for trends."""

import time

from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot
from insights.selectors import publication_problems

SNAPSHOT_FIELDS = ["sample_size", "company_count", "recent_count", "p10", "p25", "p50", "p75", "p90", "mean",
                   "total_p50", "computed_at"]  # fmt: skip


def _snapshot_values(market_range: MarketRange) -> dict:
    values = {field: getattr(market_range, field) for field in SNAPSHOT_FIELDS}
    if market_range.total_publishability_problem:
        values["total_p50"] = None  # the totals' own sample is too thin to publish
    return values


def market_ranges_snapshot(*, day=None, chunk_size=2000) -> int:
    """Keep today's value of every publishable range. Running it again the same day refreshes that day's row."""
    day = day or timezone.now().date()
    written, after = 0, ""
    while after is not None:
        done, after = market_ranges_snapshot_part(day=day, after=after, chunk_size=chunk_size)
        written += done
    return written


def market_ranges_snapshot_part(*, day, after="", chunk_size=2000, seconds=None) -> tuple[int, str | None]:
    """Snapshot the ranges whose keys sort after `after`, a chunk at a time in key order, for about `seconds`
    (all of them when None). Returns the rows written and the last key done, or None when none are left.

    Chunks keep memory flat (holding every publishable range of a million postings at once took over 1 GB);
    parts keep a daily run of several minutes at that scale inside a task's time limit."""
    started, written = time.monotonic(), 0
    while chunk := list(MarketRange.objects.filter(sample_size__gt=0, key__gt=after).order_by("key")[:chunk_size]):
        after = chunk[-1].key
        problems = publication_problems(chunk)
        rows = [
            MarketRangeSnapshot(key=r.key, day=day, **_snapshot_values(r)) for r in chunk if problems[r.key] is None
        ]
        MarketRangeSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["key", "day"], update_fields=SNAPSHOT_FIELDS, batch_size=1000
        )
        written += len(rows)
        if len(chunk) < chunk_size:
            break
        if seconds is not None and time.monotonic() - started >= seconds:
            return written, after
    return written, None
