import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from insights.models import DirtySegment
from insights.services import (
    market_ranges_drain_started,
    market_ranges_recompute_dirty,
    market_ranges_snapshot_part,
    market_ranges_sweep,
)
from insights.services.dirty import marks_reshard, recompute_queue, recompute_shard_count

logger = logging.getLogger(__name__)

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
def recompute_dirty_segments_task(shard: int | None = None) -> int:
    """Drain one bounded batch of one shard's marked segments (None: any shard); re-enqueue itself, on the
    same queue, while more remain.

    Safe to run twice or concurrently: each segment is recomputed under its row lock from
    committed data, and a mark is cleared only if no newer change arrived.
    """
    market_ranges_drain_started(shard=shard)
    done, more = market_ranges_recompute_dirty(limit=settings.MARKET_RECOMPUTE_BATCH_SIZE, shard=shard)
    logger.info("Recompute drain of shard %s: %d segments, more: %s.", "all" if shard is None else shard, done, more)
    if more:
        queue = recompute_queue(shard) if shard is not None else None
        recompute_dirty_segments_task.apply_async(kwargs={"shard": shard}, queue=queue)
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
def sweep_dirty_segments_task(shard: int | None = None) -> int:
    """Beat's safety net: recompute whatever is still marked, e.g. after a lost message.

    With one shard it drains the marks itself. With several, beat's message (no shard) only hands each shard
    that has marks a sweep on that shard's own queue, so the points are read by the workers that cache them;
    it first moves marks made under another shard count to their current shard."""
    if shard is None and recompute_shard_count() > 1:
        marks_reshard()
        for each in sorted(set(DirtySegment.objects.values_list("shard", flat=True).distinct())):
            sweep_dirty_segments_task.apply_async(kwargs={"shard": each}, queue=recompute_queue(each))
        return 0
    return market_ranges_sweep(limit=settings.MARKET_RECOMPUTE_BATCH_SIZE, shard=shard)


@shared_task(
    name="insights.snapshot_market_ranges",
    bind=True,
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=900,
)
def snapshot_market_ranges_task(self, day: str | None = None, after: str = "", chunk_size: int = 2000) -> int:
    """Daily: keep each publishable range's value for the history endpoint. Idempotent within a day.

    Works for about MARKET_SNAPSHOT_PART_SECONDS, then hands the rest to a new task starting after the last key
    it did (a million postings take several minutes, longer than one task may run)."""
    day = date.fromisoformat(day) if day else timezone.now().date()
    seconds = settings.MARKET_SNAPSHOT_PART_SECONDS
    written, last = market_ranges_snapshot_part(day=day, after=after, chunk_size=chunk_size, seconds=seconds)
    if last is not None:
        self.apply_async(kwargs={"day": day.isoformat(), "after": last, "chunk_size": chunk_size})
    return written


@shared_task(
    name="insights.generate_report",
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=540,
    time_limit=600,
)
def generate_report_task(report_id: int) -> bool:
    """Build one insight report. Safe to run twice: the report is claimed before it is built (a redelivered
    message finds it done or held, and does nothing)."""
    from insights.services.reports import report_generate

    return report_generate(report_id=report_id)


@shared_task(name="insights.publish_weekly_reports", acks_late=True, autoretry_for=RETRY_ON, max_retries=3)
def publish_weekly_reports_task() -> list[int]:
    """Beat, weekly: the public market overview of each role family."""
    from insights.services.reports import reports_publish_weekly

    return reports_publish_weekly()


@shared_task(
    name="insights.recompute_skill_premiums",
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def recompute_skill_premiums_task() -> int:
    """Beat: the skill-premium table, recomputed whole. Safe twice: the table is replaced in one transaction."""
    from insights.services.skill_premiums import skill_premiums_recompute

    return skill_premiums_recompute()
