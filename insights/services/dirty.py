"""Durable marks for market-range recomputation, and asking a worker to drain them after commit."""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from insights.models import DirtySegment

logger = logging.getLogger(__name__)


def segments_mark_dirty(*, keys: set[str] | list[str], schedule: bool = True) -> None:
    """Mark segments for recompute inside the caller's transaction; unless told not to, ask for a
    drain after commit (once per transaction, however many postings it touches)."""
    keys = sorted(set(keys))  # a fixed order, so two transactions marking the same keys cannot deadlock
    if not keys:
        return
    now = timezone.now()
    table = DirtySegment._meta.db_table
    values = ", ".join(["(%s, 1, %s)"] * len(keys))
    params = [item for key in keys for item in (key, now)]
    # One statement for both databases: PostgreSQL and SQLite (3.24+) share this upsert syntax.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, version, marked_at) VALUES {values} "
            # marked_at stays the time of the oldest change still waiting: drains take the oldest first, so a
            # busy segment (re-marked every second) is not pushed to the back of the line by each new change.
            f"ON CONFLICT (key) DO UPDATE SET version = {table}.version + 1",
            params,
        )
    if schedule:
        market_ranges_schedule_drain()


def market_ranges_schedule_drain() -> None:
    """Ask a worker to recompute the marked segments once the current transaction commits."""
    if not _drain_already_scheduled():
        transaction.on_commit(_enqueue_drain, robust=True)


def _drain_already_scheduled() -> bool:
    # Django keeps the pending on-commit hooks of the open transaction in run_on_commit, and drops
    # them on rollback, so this check cannot leave a committed mark without its drain.
    return any(hook[1] is _enqueue_drain for hook in connection.run_on_commit)


# At most one drain message waits in the queue: a publish sets this flag when it enqueues one, and the
# drain clears it as it starts, before it reads the marks. A mark committed before the clearing is read by
# that drain; one committed after finds no flag and enqueues the next drain. So a burst of publishes costs
# one recompute batch, not one per publish. If a flagged message is lost, the flag expires and the beat
# sweep drains the marks.
DRAIN_PENDING_KEY = "jobboard:market-drain-pending"
DRAIN_PENDING_SECONDS = 10


def _enqueue_drain() -> None:
    from insights.tasks import recompute_dirty_segments_task

    try:
        if _claim_pending_drain():
            recompute_dirty_segments_task.delay()
    except Exception:
        # The marks are committed; the periodic sweep will recompute them once the broker is back.
        _release_pending_drain()
        logger.warning("Could not enqueue a market-range recompute; the sweep will pick it up.", exc_info=True)


def _redis():
    import redis

    if not hasattr(_redis, "client"):
        _redis.client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return _redis.client


def _claim_pending_drain() -> bool:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return True  # tasks run in-process (or on a broker without this flag): always send
    return bool(_redis().set(DRAIN_PENDING_KEY, 1, nx=True, ex=DRAIN_PENDING_SECONDS))


def market_ranges_drain_started() -> None:
    """Called by the drain task before it reads the marks: from now on, a new mark enqueues a new drain."""
    _release_pending_drain()


def _release_pending_drain() -> None:
    if settings.CELERY_BROKER_URL.startswith("redis"):
        try:
            _redis().delete(DRAIN_PENDING_KEY)
        except Exception:  # noqa: BLE001 - the flag expires by itself
            logger.warning("Could not clear the pending-drain flag; it expires in %ss.", DRAIN_PENDING_SECONDS)
