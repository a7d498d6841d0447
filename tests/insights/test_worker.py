"""The recompute pipeline against real services: PostgreSQL, Redis and a Celery worker process.

Needs DATABASE_URL=postgres://… and REDIS_URL=redis://…; skips without them, and fails instead
under REQUIRE_SERVICES=1 (as CI runs it).
"""

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
from django.db import connection

from config.celery import app as celery_app
from insights.models import DirtySegment, MarketRange
from insights.tasks import sweep_dirty_segments_task
from tests.conftest import require_or_skip
from tests.factories import CompanyFactory, MembershipFactory, ModeratorFactory
from tests.insights.independent import assert_matches_independent, visible_midpoints

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]
KEY = "ml_engineer:senior:US"
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


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test database, consuming from the real broker."""
    with django_db_blocker.unblock():
        _services_or_skip()
        db = connection.settings_dict
    with celery_app.connection_for_write() as conn:
        for queue in ("recompute", "celery"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue that does not exist yet has nothing to purge
                pass
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "recompute,celery",
            "-c",
            "2",
            "-n",
            name,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{process.stdout.read().decode()}")
        if celery_app.control.ping(destination=[name], timeout=1):
            break
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("worker did not answer a ping within 60 s")
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


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
    for key in (KEY, "ml_engineer:senior:world"):
        assert_matches_independent(MarketRange.objects.get(key=key), visible_midpoints(key))
    listed = as_user(moderator).get("/api/v1/market-ranges/?role=ml_engineer&level=senior&country=US").json()
    assert listed["results"][0]["sample_size"] == 6 and listed["results"][0]["publishable"] is True


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
