"""Durable marks for market-range recomputation, and asking a worker to drain them after commit."""

import logging

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
            f"ON CONFLICT (key) DO UPDATE SET version = {table}.version + 1, marked_at = excluded.marked_at",
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


def _enqueue_drain() -> None:
    from insights.tasks import recompute_dirty_segments_task

    try:
        recompute_dirty_segments_task.delay()
    except Exception:
        # The marks are committed; the periodic sweep will recompute them once the broker is back.
        logger.warning("Could not enqueue a market-range recompute; the sweep will pick it up.", exc_info=True)
