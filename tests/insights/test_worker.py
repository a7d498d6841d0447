"""The recompute pipeline against real services: PostgreSQL, Redis and a Celery worker process.

Needs DATABASE_URL=postgres://… and REDIS_URL=redis://…; skips without them, and fails instead
under REQUIRE_SERVICES=1 (as CI runs it).
"""

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import kombu.exceptions
import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import app as celery_app
from insights.models import DirtySegment, MarketRange
from insights.services import market_ranges_verify
from insights.tasks import sweep_dirty_segments_task
from salaries.taxonomy import Level
from tests.conftest import require_or_skip
from tests.factories import CompanyFactory, MembershipFactory, ModeratorFactory, PublishedPostingFactory
from tests.insights.independent import assert_matches_independent, visible_midpoints

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]
KEY = "ml_engineer:senior:country:US:any:any:12m"
LEVELS = list(Level.values)
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


def _services_or_skip():
    if connection.vendor != "postgresql":
        require_or_skip("these tests need PostgreSQL: set DATABASE_URL=postgres://…")
    if not settings.BROKER_CONFIGURED:
        require_or_skip("these tests need Redis: set REDIS_URL=redis://…")
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001 - any failure means the broker is not usable
        require_or_skip(f"Redis at {settings.CELERY_BROKER_URL} is unreachable: {error}")


class WorkerProcess:
    """A real `celery worker` (prefork, two children) on the test database and the real broker."""

    def __init__(self, db: dict, log_dir: Path, *, queues: str = "recompute,imports,reports,celery",
                 env: dict | None = None, level: str = "warning"):  # fmt: skip
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.log = log_dir / f"{self.name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "DATABASE_CONN_MAX_AGE": "0",
            # Batches smaller than the tests' work, so a sweep spans several of them (a kill lands mid-sweep).
            "MARKET_RECOMPUTE_BATCH_SIZE": "100",
            # One worker serves the whole module while each test's data is flushed behind its back, which only
            # the point cache's checksum notices: compare at every batch (production: every minute).
            "MARKET_POINT_CACHE_CHECK_SECONDS": "0",
            "LOG_FORMAT": "json",  # read by the request-id test
            **(env or {}),
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-c", "2",
                   "-n", self.name, "-l", level, "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        with self.log.open("wb") as out:  # a file, not a pipe: a full pipe would stall the worker
            self.process = subprocess.Popen(
                command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[self.name], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"worker did not start:\n{self.log.read_text()}")

    def pool_children(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def purge_queues(shards: int = 3):
    from insights.services.dirty import DRAIN_PENDING_KEY, _redis

    # A flag left by an earlier test would hold back the next drain (one flag per recompute shard).
    _redis().delete(DRAIN_PENDING_KEY, *(f"{DRAIN_PENDING_KEY}:{shard}" for shard in range(shards)))
    with celery_app.connection_for_write() as conn:
        for queue in ("recompute", *(f"recompute.{shard}" for shard in range(shards)), "imports", "reports", "celery"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue that does not exist yet has nothing to purge
                pass


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        _services_or_skip()
        db = dict(connection.settings_dict)
    purge_queues()
    process = WorkerProcess(db, tmp_path_factory.mktemp("worker"))
    yield process
    process.stop()


@contextmanager
def broker_unreachable():
    """Make this process's producer talk to a dead broker, as during a Redis outage."""
    celery_app.conf.broker_write_url = DEAD_BROKER  # publishing uses the write URL
    celery_app._after_fork()  # drop pooled connections to the real broker
    try:
        yield
    finally:
        celery_app.conf.broker_write_url = None
        celery_app._after_fork()


def wait_for(predicate, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def publish(client_for, moderator, company, amount: int) -> int:
    employer = MembershipFactory(company=company).user
    body = {
        "title": "Senior ML Engineer",
        "role_family": "ml_engineer",
        "level": "senior",
        "country": "US",
        "salary_min": amount,
        "salary_max": amount + 40_000,
        "salary_currency": "USD",
        "salary_period": "YEAR",
    }
    created = client_for(employer).post("/api/v1/jobs/", body, format="json")
    assert created.status_code == 201, created.json()
    posting_id = created.json()["id"]
    assert client_for(employer).post(f"/api/v1/jobs/{posting_id}/submit/").status_code == 200
    approved = client_for(moderator).post(f"/api/v1/jobs/{posting_id}/approve/")
    assert approved.status_code == 200, approved.json()
    return posting_id


def range_size(key=KEY) -> int:
    return MarketRange.objects.filter(key=key).values_list("sample_size", flat=True).first() or 0


def test_publishing_through_the_api_updates_the_range_via_the_worker(worker, as_user):
    moderator = ModeratorFactory()
    companies = [CompanyFactory() for _ in range(3)]
    for index in range(6):
        publish(as_user, moderator, companies[index % 3], 120_000 + 9_000 * index)

    assert wait_for(lambda: range_size() == 6 and not DirtySegment.objects.exists()), (
        f"range has {range_size()} points; marks left: {list(DirtySegment.objects.values_list('key', flat=True))}"
    )
    for key in (KEY, "ml_engineer:senior:world:-:any:any:12m"):
        assert_matches_independent(MarketRange.objects.get(key=key), visible_midpoints(key))
    listed = as_user(moderator).get("/api/v1/market-ranges/?role=ml_engineer&level=senior&country=US").json()
    [shown] = listed["results"]
    assert shown["exact"]["sample_size"] == 6 and shown["published"] is True
    # The release was decided by the worker in the same step as the figures, and matches a fresh decision.
    assert shown["base_pay"] == {"currency": "USD", "period": "YEAR", **{
        name: MarketRange.objects.get(key=KEY).release[name] for name in ("p10", "p25", "p50", "p75", "p90")
    }}  # fmt: skip
    assert market_ranges_verify() == []


def test_broker_outage_at_publish_time_is_recovered_by_the_sweep(worker, as_user):
    moderator = ModeratorFactory()
    companies = [CompanyFactory() for _ in range(3)]
    for index in range(3):
        publish(as_user, moderator, companies[index], 100_000 + 5_000 * index)
    assert wait_for(lambda: range_size() == 3 and not DirtySegment.objects.exists())

    with broker_unreachable():
        with pytest.raises(kombu.exceptions.OperationalError):  # the outage is real for this process
            sweep_dirty_segments_task.delay()
        for index in range(4):
            publish(as_user, moderator, companies[index % 3], 150_000 + 5_000 * index)

    # Saved, marked, and not yet counted: no message reached the worker.
    assert DirtySegment.objects.filter(key=KEY).exists()
    time.sleep(1.0)
    assert range_size() == 3

    sweep_dirty_segments_task.delay()  # what beat sends every MARKET_SWEEP_SECONDS
    assert wait_for(lambda: range_size() == 7 and not DirtySegment.objects.exists())
    assert_matches_independent(MarketRange.objects.get(key=KEY), visible_midpoints(KEY))


def test_two_concurrent_recomputes_give_the_same_range_as_one(worker, as_user):
    moderator = ModeratorFactory()
    companies = [CompanyFactory() for _ in range(4)]
    with broker_unreachable():
        for index in range(12):
            publish(as_user, moderator, companies[index % 4], 90_000 + 7_500 * index)
    assert range_size() == 0 and DirtySegment.objects.filter(key=KEY).exists()

    # Two sweeps at once, on the worker's two processes: both try to recompute the same segments.
    sweep_dirty_segments_task.delay()
    sweep_dirty_segments_task.delay()
    assert wait_for(lambda: range_size() == 12 and not DirtySegment.objects.exists())
    first = MarketRange.objects.get(key=KEY)
    assert_matches_independent(first, visible_midpoints(KEY))

    # And once more, with nothing marked: the same numbers.
    sweep_dirty_segments_task.delay()
    assert wait_for(lambda: MarketRange.objects.get(key=KEY).computed_at >= first.computed_at, timeout=5)
    time.sleep(0.5)
    again = MarketRange.objects.get(key=KEY)
    fields = ["sample_size", "company_count", "p10", "p25", "p50", "p75", "p90", "mean"]
    assert [getattr(again, f) for f in fields] == [getattr(first, f) for f in fields]
    assert first.mean == (sum(visible_midpoints(KEY), Decimal(0)) / 12).quantize(Decimal("0.01"))


def test_a_worker_killed_mid_recompute_redoes_the_work(worker, as_user):
    """SIGKILL the pool process while it drains hundreds of segments: acks_late and
    reject_on_worker_lost put the message back, another process redoes it, and nothing is lost or doubled."""
    companies = [CompanyFactory() for _ in range(3)]
    countries = ["US", "DE", "GB", "FR", "SG", "NL", "ES", "IE", "CA", "AU"]
    with broker_unreachable(), transaction.atomic():
        for index, (role, level, country) in enumerate(
            itertools.product(["ml_engineer", "data_scientist", "data_engineer", "ml_platform"], LEVELS, countries)
        ):
            PublishedPostingFactory(
                company=companies[index % 3], role_family=role, level=level, country=country,
                salary_min=Decimal(90_000 + 1_000 * (index % 50)), salary_max=Decimal(150_000),
            )  # fmt: skip
    marked = DirtySegment.objects.count()
    assert marked >= 300 and not MarketRange.objects.exists()

    sweep_dirty_segments_task.delay()
    assert wait_for(lambda: 0 < DirtySegment.objects.count() < marked - 20, timeout=30, interval=0.01)
    for pid in worker.pool_children():
        os.kill(pid, signal.SIGKILL)
    left_at_kill = DirtySegment.objects.count()
    assert left_at_kill > 0, "the sweep finished before the kill: make the work larger"

    assert wait_for(lambda: not DirtySegment.objects.exists(), timeout=60), (
        f"{DirtySegment.objects.count()} segments still marked; worker log:\n{worker.log.read_text()[-3000:]}"
    )
    assert market_ranges_verify() == []
    assert MarketRange.objects.count() == marked


def test_a_report_requested_through_the_api_is_built_by_the_worker_and_served_as_a_page(worker, as_user):
    from django.test import Client

    from insights.models import InsightReport
    from insights.services import market_ranges_rebuild
    from tests.factories import UserFactory

    for index in range(8):
        amount = Decimal(130_000 + 7_000 * index)
        PublishedPostingFactory(company=CompanyFactory(), level="senior", country="US", salary_min=amount,
                                salary_max=amount)  # fmt: skip
    market_ranges_rebuild()
    owner = UserFactory()
    asked = as_user(owner).post(
        "/api/v1/reports/", {"kind": "market_overview", "parameters": {"role": "ml_engineer", "place": "US"}},
        format="json",
    )  # fmt: skip
    assert asked.status_code == 202 and asked.json()["status"] == "pending", asked.json()
    report_id = asked.json()["id"]
    assert wait_for(lambda: InsightReport.objects.get(pk=report_id).status in ("done", "failed"), timeout=60)
    report = as_user(owner).get(f"/api/v1/reports/{report_id}/").json()
    assert report["status"] == "done", report["error"]
    assert report["started_at"] and report["finished_at"] and report["progress"] == 100
    senior = next(r for r in report["result"]["sections"][0]["rows"] if r["level"] == "senior")
    assert senior["p50"] == MarketRange.objects.get(key=KEY).release["p50"]

    page = Client()
    page.force_login(owner)
    html = page.get(f"/reports/{report_id}/")
    assert html.status_code == 200 and b"<svg" in html.content


def test_a_tasks_log_lines_carry_the_request_id_of_the_request_that_enqueued_it(worker, as_user):
    import json

    from insights.models import InsightReport
    from tests.factories import UserFactory

    request_id = f"test-{uuid.uuid4().hex}"
    asked = as_user(UserFactory()).post(
        "/api/v1/reports/", {"kind": "level_ladder", "parameters": {"role": "ml_engineer", "place": "US"}},
        format="json", HTTP_X_REQUEST_ID=request_id,
    )  # fmt: skip
    assert asked.status_code == 202 and asked["X-Request-ID"] == request_id
    report_id = asked.json()["id"]
    assert wait_for(lambda: InsightReport.objects.get(pk=report_id).status in ("done", "failed"), timeout=60)

    def lines_with_the_id():
        lines = []
        for raw in worker.log.read_text().splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("request_id") == request_id:
                lines.append(line)
        return lines

    assert wait_for(lambda: any("generate_report" in line["message"] for line in lines_with_the_id()), timeout=10)
