"""Daily snapshots of publishable market ranges, for trends."""

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


def market_ranges_snapshot(*, day=None) -> int:
    """Keep today's value of every publishable range. Running it again the same day refreshes that day's row."""
    day = day or timezone.now().date()
    publishable = []
    candidates = MarketRange.objects.filter(sample_size__gt=0).order_by("key")
    for start in range(0, candidates.count(), 2000):
        chunk = list(candidates[start : start + 2000])
        problems = publication_problems(chunk)
        publishable += [r for r in chunk if problems[r.key] is None]
    rows = [MarketRangeSnapshot(key=r.key, day=day, **_snapshot_values(r)) for r in publishable]
    MarketRangeSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["key", "day"], update_fields=SNAPSHOT_FIELDS, batch_size=1000
    )
    return len(rows)
