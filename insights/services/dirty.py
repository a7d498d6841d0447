"""Durable marks for market-range recomputation, and asking a worker to drain them after commit.

Sharding: with MARKET_RECOMPUTE_SHARDS = N > 1, each role-and-level partition belongs to one of N recompute
queues (`recompute.0` … `recompute.N-1`) by a stable hash of its name (`recompute_shard`). A mark records its
shard; a drain reads the marks of its shard only, so the worker (or workers) consuming one queue compute, and
keep in their point cache (insights.services.point_cache), about 1/N of the partitions. Marks are rows in the
database, so a worker that joins or leaves loses nothing: a queue with no consumer keeps its messages and its
marks until one comes, and /healthz and /metrics report the age of the oldest mark. With N = 1 (the default) there
is one queue, `recompute`, as before.
"""

import logging
import zlib

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
    shards = {key: recompute_shard(key) for key in keys}
    for start in range(0, len(keys), 1000):  # SQLite allows a few thousand parameters a statement
        chunk = keys[start : start + 1000]
        values = ", ".join(["(%s, 1, %s, %s)"] * len(chunk))
        params = [item for key in chunk for item in (key, now, shards[key])]
        # One statement for both databases: PostgreSQL and SQLite (3.24+) share this upsert syntax.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, version, marked_at, shard) VALUES {values} "
                # marked_at stays the time of the oldest change still waiting: drains take the oldest first, so
                # a busy segment (re-marked every second) is not pushed to the back of the line by each change.
                f"ON CONFLICT (key) DO UPDATE SET version = {table}.version + 1, shard = excluded.shard",
                params,
            )
    if schedule:
        market_ranges_schedule_drain(shards=set(shards.values()))


def recompute_shard_count() -> int:
    return max(1, settings.MARKET_RECOMPUTE_SHARDS)


def recompute_shard(key: str) -> int:
    """The shard of a segment: a stable hash of its partition (role family and level, the key's first two
    parts), so every segment of a partition, and so every point the partition's ranges need, is on one shard."""
    count = recompute_shard_count()
    if count == 1:
        return 0
    role, level = key.split(":", 2)[:2]
    return zlib.crc32(f"{role}:{level}".encode()) % count


def recompute_queue(shard: int) -> str:
    """The Celery queue of one shard: `recompute` when there is one, else `recompute.<shard>`."""
    return "recompute" if recompute_shard_count() == 1 else f"recompute.{shard}"


def recompute_queues() -> list[str]:
    """Every recompute queue, for starting workers (`manage.py recompute_queues`) and for /metrics."""
    return [recompute_queue(shard) for shard in range(recompute_shard_count())]


def marks_reshard() -> int:
    """Give every mark the shard the current MARKET_RECOMPUTE_SHARDS puts it on (after N changed, marks made
    under the old N would otherwise wait on a queue nobody reads); returns the number moved. The beat sweep
    runs it; a handful of rows normally, read by key only."""
    moved = 0
    wrong: dict[int, list[str]] = {}
    for key, shard in DirtySegment.objects.values_list("key", "shard").iterator(chunk_size=5000):
        if (right := recompute_shard(key)) != shard:
            wrong.setdefault(right, []).append(key)
    for shard, keys in wrong.items():
        for start in range(0, len(keys), 1000):
            moved += DirtySegment.objects.filter(key__in=keys[start : start + 1000]).update(shard=shard)
    return moved


def market_ranges_schedule_drain(*, shards: set[int] | None = None) -> None:
    """Ask a worker of each of these shards (default: all) to recompute its marked segments once the current
    transaction commits."""
    for shard in sorted(range(recompute_shard_count()) if shards is None else shards):
        if not _drain_already_scheduled(shard):
            transaction.on_commit(_DrainRequest(shard), robust=True)


def _drain_already_scheduled(shard: int) -> bool:
    # Django keeps the pending on-commit hooks of the open transaction in run_on_commit, and drops
    # them on rollback, so this check cannot leave a committed mark without its drain.
    return any(isinstance(hook[1], _DrainRequest) and hook[1].shard == shard for hook in connection.run_on_commit)


# At most one drain message waits in the queue: a publish sets this flag when it enqueues one, and the
# drain clears it as it starts, before it reads the marks. A mark committed before the clearing is read by
# that drain; one committed after finds no flag and enqueues the next drain. So a burst of publishes costs
# one recompute batch, not one per publish. If a flagged message is lost, the flag expires and the beat
# sweep drains the marks.
DRAIN_PENDING_KEY = "jobboard:market-drain-pending"
DRAIN_PENDING_SECONDS = 10


class _DrainRequest:
    """The on-commit hook that enqueues one shard's drain (an object, so a transaction asks once per shard)."""

    def __init__(self, shard: int):
        self.shard = shard

    def __call__(self) -> None:
        from insights.tasks import recompute_dirty_segments_task

        try:
            if _claim_pending_drain(self.shard):
                recompute_dirty_segments_task.apply_async(
                    kwargs={"shard": self.shard}, queue=recompute_queue(self.shard)
                )
        except Exception:
            # The marks are committed; the periodic sweep will recompute them once the broker is back.
            _release_pending_drain(self.shard)
            logger.warning("Could not enqueue a market-range recompute; the sweep will pick it up.", exc_info=True)


def _redis():
    import redis

    if not hasattr(_redis, "client"):
        _redis.client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return _redis.client


def drain_pending_key(shard: int) -> str:
    return DRAIN_PENDING_KEY if shard == 0 else f"{DRAIN_PENDING_KEY}:{shard}"


def _claim_pending_drain(shard: int) -> bool:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return True  # tasks run in-process (or on a broker without this flag): always send
    return bool(_redis().set(drain_pending_key(shard), 1, nx=True, ex=DRAIN_PENDING_SECONDS))


def market_ranges_drain_started(*, shard: int | None = None) -> None:
    """Called by the drain task before it reads the marks: from now on, a new mark of its shard (or of any
    shard, for a drain of all) enqueues a new drain."""
    for each in range(recompute_shard_count()) if shard is None else [shard]:
        _release_pending_drain(each)


def _release_pending_drain(shard: int) -> None:
    if settings.CELERY_BROKER_URL.startswith("redis"):
        try:
            _redis().delete(drain_pending_key(shard))
        except Exception:  # noqa: BLE001 - the flag expires by itself
            logger.warning("Could not clear the pending-drain flag; it expires in %ss.", DRAIN_PENDING_SECONDS)
