from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from insights.services import (
    market_ranges_drain_started,
    market_ranges_recompute_dirty,
    market_ranges_snapshot,
    market_ranges_sweep,
)

# Transient database trouble (a restart, a dropped connection, a lock timeout) is retried;
# anything else is a bug and should surface. The marks stay in the database either way.
RETRY_ON = (OperationalError, InterfaceError)


@shared_task(
    name="insights.recompute_dirty_segments",
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def recompute_dirty_segments_task() -> int:
    """Drain one bounded batch of marked segments; re-enqueue itself while more remain.

    Safe to run twice or concurrently: each segment is recomputed under its row lock from
    committed data, and a mark is cleared only if no newer change arrived.
    """
    market_ranges_drain_started()
    done, more = market_ranges_recompute_dirty(limit=settings.MARKET_RECOMPUTE_BATCH_SIZE)
    if more:
        recompute_dirty_segments_task.delay()
    return done


@shared_task(
    name="insights.sweep_dirty_segments",
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def sweep_dirty_segments_task() -> int:
    """Beat's safety net: recompute whatever is still marked, e.g. after a lost message."""
    return market_ranges_sweep(limit=settings.MARKET_RECOMPUTE_BATCH_SIZE)


@shared_task(
    name="insights.snapshot_market_ranges",
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=900,
)
def snapshot_market_ranges_task() -> int:
    """Daily: keep each publishable range's value for the history endpoint. Idempotent within a day."""
    return market_ranges_snapshot()
