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
