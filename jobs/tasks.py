from celery import shared_task
from django.db import InterfaceError, OperationalError

from jobs.services import postings_expire_due


@shared_task(
    name="jobs.expire_postings",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=180,
)
def expire_postings_task() -> int:
    """Expire every posting past its time. Idempotent: an expired posting is no longer due."""
    total = 0
    while expired := postings_expire_due():
        total += expired
    return total


@shared_task(
    name="jobs.send_search_alerts",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def send_search_alerts_task() -> dict:
    """Mail each candidate the new postings matching their saved searches. Safe to repeat, retry or run twice
    at once: every posting is claimed per candidate before it is sent (jobs.alerts)."""
    from jobs.alerts import search_alerts_send

    return search_alerts_send()


@shared_task(
    name="jobs.refresh_market_positions",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=1200,
    time_limit=1260,
)
def refresh_market_positions_task() -> dict:
    """Store each posting's percentile in its market for `?ordering=market`, for the partitions whose ranges
    changed since the last run. Idempotent: a repeat writes nothing that has not moved."""
    from jobs.market_position import market_positions_refresh

    return market_positions_refresh()
