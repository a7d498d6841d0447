"""Daily snapshots of publishable market ranges, for trends."""

from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot

SNAPSHOT_FIELDS = ["sample_size", "company_count", "recent_count", "p10", "p25", "p50", "p75", "p90", "mean",
                   "total_p50", "computed_at"]  # fmt: skip


def market_ranges_snapshot(*, day=None) -> int:
    """Keep today's value of every publishable range. Running it again the same day refreshes that day's row."""
    day = day or timezone.now().date()
    publishable = [
        r for r in MarketRange.objects.filter(sample_size__gt=0).iterator(chunk_size=2000) if r.is_publishable
    ]
    rows = [MarketRangeSnapshot(key=r.key, day=day, **{f: getattr(r, f) for f in SNAPSHOT_FIELDS}) for r in publishable]
    MarketRangeSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["key", "day"], update_fields=SNAPSHOT_FIELDS, batch_size=1000
    )
    return len(rows)
