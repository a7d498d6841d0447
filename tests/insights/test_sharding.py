"""Recompute sharded over N queues by partition (insights.services.dirty): marks carry their shard, a drain
reads its shard only, beat's sweep hands each shard its own sweep, and N workers (one per queue) keep the
ranges exact; a worker that leaves loses nothing."""

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import override_settings

from insights.models import DirtySegment, MarketRange
from insights.services import market_ranges_recompute_dirty, market_ranges_verify
from insights.services.dirty import (
    _DrainRequest,
    marks_reshard,
    recompute_queue,
    recompute_queues,
    recompute_shard,
)
from insights.tasks import sweep_dirty_segments_task
from salaries.taxonomy import Level, RoleFamily
from tests.factories import CompanyFactory, PublishedPostingFactory

PROJECT = Path(__file__).resolve().parents[2]
PARTITIONS = [(role, level) for role in RoleFamily.values for level in Level.values]


def partitions_by_shard(shards: int = 3) -> dict[int, list[tuple[str, str]]]:
    by_shard: dict[int, list[tuple[str, str]]] = {shard: [] for shard in range(shards)}
    for role, level in PARTITIONS:
        by_shard[recompute_shard(f"{role}:{level}:")].append((role, level))
    return by_shard


def post_in(partitions, companies, per_partition: int = 3) -> None:
    for role, level in partitions:
        for index in range(per_partition):
            amount = Decimal(100_000 + 7_000 * index)
            PublishedPostingFactory(company=companies[index % len(companies)], role_family=role, level=level,
                                    country="US", salary_min=amount, salary_max=amount + 20_000)  # fmt: skip


@override_settings(MARKET_RECOMPUTE_SHARDS=3)
def test_queues_are_named_by_shard_and_every_shard_gets_partitions():
    assert recompute_queues() == ["recompute.0", "recompute.1", "recompute.2"]
    by_shard = partitions_by_shard()
    assert all(by_shard.values()), by_shard  # the taxonomy's partitions reach every queue
    assert max(len(p) for p in by_shard.values()) <= 2 * min(len(p) for p in by_shard.values())
    with override_settings(MARKET_RECOMPUTE_SHARDS=1):
        assert recompute_queues() == ["recompute"] and recompute_shard("ml_engineer:senior:world") == 0


def test_a_partitions_shard_is_the_same_in_every_process():
    """Python's hash() of a string changes per process; the shard must not (web and workers must agree)."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from insights.services.dirty import recompute_shard;"
        f"print([recompute_shard(f'{{r}}:{{l}}:x') for r, l in {PARTITIONS!r}])"
    )
    runs = set()
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "MARKET_RECOMPUTE_SHARDS": "3", "PATH": "/usr/bin:/bin"}
        out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        runs.add(out.stdout.strip())
    assert len(runs) == 1
    with override_settings(MARKET_RECOMPUTE_SHARDS=3):
        assert runs.pop() == str([recompute_shard(f"{role}:{level}:x") for role, level in PARTITIONS])


@pytest.mark.django_db
@override_settings(MARKET_RECOMPUTE_SHARDS=3)
def test_marks_carry_their_shard_and_a_transaction_asks_each_shard_once(django_capture_on_commit_callbacks):
    by_shard = partitions_by_shard()
    companies = [CompanyFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            post_in([by_shard[0][0], by_shard[0][1], by_shard[2][0]], companies)
    drains = sorted(hook.shard for hook in callbacks if isinstance(hook, _DrainRequest))
    assert drains == [0, 2]  # nine postings, two shards: two drain requests
    marks = list(DirtySegment.objects.values_list("key", "shard"))
    assert marks and all(shard == recompute_shard(key) for key, shard in marks)
    assert {shard for _, shard in marks} == {0, 2}


@pytest.mark.django_db
@override_settings(MARKET_RECOMPUTE_SHARDS=3)
def test_a_drain_of_one_shard_leaves_the_other_shards_marks():
    by_shard = partitions_by_shard()
    post_in([by_shard[0][0], by_shard[1][0]], [CompanyFactory() for _ in range(3)])
    before = dict(DirtySegment.objects.values_list("key", "shard"))
    done, more = market_ranges_recompute_dirty(limit=10_000, shard=0)
    assert done == sum(1 for shard in before.values() if shard == 0) and not more
    left = dict(DirtySegment.objects.values_list("key", "shard"))
    assert left == {key: shard for key, shard in before.items() if shard == 1}
    role, level = by_shard[0][0]
    assert MarketRange.objects.get(key=f"{role}:{level}:country:US:any:any:12m").sample_size == 3
    assert not MarketRange.objects.filter(role_family=by_shard[1][0][0], level=by_shard[1][0][1]).exists()


@pytest.mark.django_db
def test_after_the_shard_count_changes_the_sweep_moves_marks_to_their_new_shard_and_drains_them():
    with override_settings(MARKET_RECOMPUTE_SHARDS=3):
        post_in(PARTITIONS[:6], [CompanyFactory() for _ in range(3)])
    with override_settings(MARKET_RECOMPUTE_SHARDS=2):
        wrong = [
            key for key, shard in DirtySegment.objects.values_list("key", "shard") if shard != recompute_shard(key)
        ]
        assert wrong  # marks made under three shards, some on shard 2, which no longer exists
        assert marks_reshard() == len(wrong)
        assert all(shard == recompute_shard(key) for key, shard in DirtySegment.objects.values_list("key", "shard"))
        sweep_dirty_segments_task.apply()  # beat's message: hands each shard its sweep (run in-process here)
    assert not DirtySegment.objects.exists()
    assert market_ranges_verify() == []


# --- three real workers, one per queue ----------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_three_workers_each_drain_their_own_shard_and_one_that_leaves_loses_nothing(tmp_path):
    from tests.insights.test_worker import WorkerProcess, _services_or_skip, purge_queues, wait_for

    _services_or_skip()
    purge_queues()
    db = dict(connection.settings_dict)
    env = {"MARKET_RECOMPUTE_SHARDS": "3", "MARKET_POINT_CACHE_CHECK_SECONDS": "60"}

    def start(shard):
        return WorkerProcess(db, tmp_path, queues=f"recompute.{shard}", env=env, level="info")

    def drained_shards(worker) -> set[str]:
        shards = set()
        for line in worker.log.read_text().splitlines():
            try:
                message = json.loads(line).get("message", "")
            except ValueError:
                continue
            if message.startswith("Recompute drain of shard"):
                shards.add(message.split()[4].rstrip(":"))
        return shards

    workers = [start(shard) for shard in range(3)]
    try:
        with override_settings(MARKET_RECOMPUTE_SHARDS=3):
            by_shard = partitions_by_shard()
            companies = [CompanyFactory() for _ in range(3)]
            with transaction.atomic():
                post_in([partitions[0] for partitions in by_shard.values()], companies)
            assert wait_for(lambda: not DirtySegment.objects.exists(), timeout=60), list(
                DirtySegment.objects.values_list("key", "shard")
            )
            assert market_ranges_verify() == []
            for shard, worker in enumerate(workers):
                assert drained_shards(worker) == {str(shard)}, worker.log.read_text()[-2000:]

            # Shard 2's worker leaves. Its marks wait (in the database, and its message in Redis); the others
            # carry on; a new worker for the queue drains them.
            workers[2].stop()
            leaving = workers.pop()
            post_in([by_shard[0][1], by_shard[2][1]], companies)
            assert wait_for(lambda: not DirtySegment.objects.filter(shard=0).exists(), timeout=30)
            time.sleep(1.0)
            waiting = DirtySegment.objects.filter(shard=2).count()
            assert waiting > 0
            assert set(DirtySegment.objects.values_list("shard", flat=True)) == {2}
            workers.append(start(2))
            assert wait_for(lambda: not DirtySegment.objects.exists(), timeout=60)
            assert market_ranges_verify() == []
            assert drained_shards(workers[2]) == {"2"} and drained_shards(leaving) == {"2"}
            role, level = by_shard[2][1]
            assert MarketRange.objects.get(key=f"{role}:{level}:country:US:any:any:12m").sample_size == 3
            assert recompute_queue(2) == "recompute.2"
    finally:
        for worker in workers:
            worker.stop()
