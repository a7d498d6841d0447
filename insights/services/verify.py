"""Check stored market ranges against a fresh computation."""

from dataclasses import dataclass

from django.utils import timezone

from insights.models import MarketRange
from insights.segments import Segment
from insights.services.market_ranges import VERIFIED_FIELDS, segment_keys_with_data, segment_stats_compute


@dataclass(frozen=True)
class RangeDifference:
    key: str
    field: str
    stored: object
    expected: object


def market_ranges_verify(*, now=None) -> list[RangeDifference]:
    """Recompute every segment from scratch in memory and list where the stored ranges differ.

    Covers segments that have data and segments that have a stored range, so a range left behind
    after its last posting closed is caught as well as a missing one.
    """
    now = now or timezone.now()
    keys = set(MarketRange.objects.values_list("key", flat=True)) | segment_keys_with_data(now)
    stored = {r.key: r for r in MarketRange.objects.all()}
    differences = []
    for key in sorted(keys):
        stats = segment_stats_compute(segment=Segment.from_key(key), now=now)
        expected = {
            "sample_size": stats.sample_size,
            "posting_count": stats.posting_count,
            "observation_count": stats.observation_count,
            "recent_count": stats.recent_count,
            "company_count": stats.company_count,
            "top_company_share": stats.top_company_share,
            "mean": stats.mean,
            "total_sample_size": stats.total_sample_size,
            "total_mean": stats.total_mean,
            **stats.percentiles,
            **{f"total_{name}": value for name, value in stats.total_percentiles.items()},
        }
        market_range = stored.get(key)
        for field in VERIFIED_FIELDS:
            have = getattr(market_range, field) if market_range else None
            if market_range is None and not stats.sample_size:
                continue  # no data and no stored range: nothing to show, nothing wrong
            if have != expected[field]:
                differences.append(RangeDifference(key, field, have, expected[field]))
    return differences
