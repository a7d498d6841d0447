"""Market ranges: marking segments dirty, and recomputing them.

Pipeline: a posting change marks its segments in `DirtySegment` inside the same transaction
(`segments_mark_dirty`), and after commit asks a worker to drain the marks
(`insights.tasks.recompute_dirty_segments_task`). If that message is lost (broker down, worker
killed), the beat sweep drains whatever is still marked. Recomputing a segment is a pure
function of the committed postings, so running it twice, or twice at once, gives one result.
"""

from insights.services.dirty import market_ranges_drain_started, market_ranges_schedule_drain, segments_mark_dirty
from insights.services.market_ranges import (
    SegmentStats,
    market_range_recompute,
    market_ranges_rebuild,
    market_ranges_recompute,
    market_ranges_recompute_dirty,
    market_ranges_sweep,
    segment_stats_compute,
)
from insights.services.snapshots import market_ranges_snapshot, market_ranges_snapshot_part
from insights.services.verify import RangeDifference, market_ranges_verify

__all__ = [
    "RangeDifference",
    "SegmentStats",
    "market_range_recompute",
    "market_ranges_drain_started",
    "market_ranges_rebuild",
    "market_ranges_recompute",
    "market_ranges_recompute_dirty",
    "market_ranges_sweep",
    "market_ranges_schedule_drain",
    "market_ranges_snapshot",
    "market_ranges_snapshot_part",
    "market_ranges_verify",
    "segment_stats_compute",
    "segments_mark_dirty",
]
