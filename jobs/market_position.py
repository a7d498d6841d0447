"""Each posting's place in its market, stored so the list can be ordered by it (`?ordering=market`: best pay for
its market first) with an index, not computed per request.

`market_percentile` is the salary context's own figure (insights.selectors.salary_contexts_for: the percentile of
the posting's pay midpoint on the released curve of its first published segment), or -1 when no market is
published for it or the posting has no pay of the employer's own (an estimate is not what it pays). It is set
when a posting is approved, and refreshed by beat (`jobs.refresh_market_positions`) for the role-and-level
partitions whose ranges were recomputed since the last refresh, in keyset batches of market data points; a row is
written only when its figure moved, so a quiet market costs reads, not writes."""

from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from insights.models import MarketRange
from insights.selectors import salary_contexts_for
from jobs.models import JobPosting, PayKind

BATCH = 2000
WATERMARK_KEY = "market-positions:refreshed-until"
UNKNOWN = Decimal("-1.0")


def _percentile(posting, context: dict) -> Decimal:
    if context["status"] != "ok" or posting.pay_kind != PayKind.EMPLOYER or not context.get("position"):
        return UNKNOWN
    return Decimal(context["position"]["midpoint_percentile"]).quantize(Decimal("0.1"))


def market_positions_set(postings: list, *, today=None) -> int:
    """Store the current market percentile of these postings (two queries to read, one update per change)."""
    if not postings:
        return 0
    contexts = salary_contexts_for(postings=postings, today=today or timezone.now().date(), peers=False)
    changed = []
    for posting in postings:
        value = _percentile(posting, contexts[posting.pk])
        if value != posting.market_percentile:
            posting.market_percentile = value
            changed.append(posting)
    if changed:
        JobPosting.objects.bulk_update(changed, ["market_percentile"], batch_size=BATCH)
    return len(changed)


def market_positions_refresh(*, since: datetime | None = None, now=None) -> dict:
    """Refresh the partitions whose ranges were computed after `since` (default: the last refresh; all the first
    time). Returns what it read and wrote."""
    now = now or timezone.now()
    if since is None:
        since = cache.get(WATERMARK_KEY)
    ranges = MarketRange.objects.all() if since is None else MarketRange.objects.filter(computed_at__gt=since)
    partitions = sorted(set(ranges.order_by().values_list("role_family", "level").distinct()))
    read = written = 0
    for role_family, level in partitions:
        last_id = 0
        while True:
            batch = list(
                JobPosting.objects.market_points(now)
                .filter(role_family=role_family, level=level, id__gt=last_id)
                .select_related("company")
                .order_by("id")[:BATCH]
            )
            if not batch:
                break
            last_id = batch[-1].id
            with transaction.atomic():
                written += market_positions_set(batch, today=now.date())
            read += len(batch)
    cache.set(WATERMARK_KEY, now, None)
    return {"partitions": len(partitions), "read": read, "written": written}
