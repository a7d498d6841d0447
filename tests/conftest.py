import os
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import TestCase
from rest_framework.test import APIClient

from salaries.models import ExchangeRate
from salaries.services import exchange_rates_load_bundled
from tests.factories import CompanyFactory, MembershipFactory, ModeratorFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_or_skip(reason: str):
    """A test that needs a missing service fails under REQUIRE_SERVICES=1 (CI) and skips otherwise."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def pytest_configure(config):
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from hypothesis import settings as hypothesis_settings
    from hypothesis.configuration import set_hypothesis_home_dir

    # Hashing is deliberately slow; tests create many users and check no passwords' strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite leaves no files in the checkout: what the product writes for itself goes to a temporary
    # directory (this process and the servers and workers it starts), and hypothesis keeps no example database.
    var = tempfile.mkdtemp(prefix="jobboard-tests-var-")
    os.environ["VAR_DIR"] = var
    settings.VAR_DIR = Path(var)
    hypothesis_settings.register_profile("suite", database=None)
    hypothesis_settings.load_profile("suite")
    set_hypothesis_home_dir(Path(var) / "hypothesis")  # its other caches


@pytest.fixture
def django_capture_on_commit_callbacks():
    """pytest-django's fixture, but executed hooks are also removed, as a real commit removes them.

    Otherwise a hook run by one capture would still look pending to the next one in the same test
    (segments_mark_dirty schedules one drain per transaction by looking at the pending hooks).
    """

    @contextmanager
    def capture(*, using=DEFAULT_DB_ALIAS, execute=False):
        start = len(connections[using].run_on_commit)
        with TestCase.captureOnCommitCallbacks(using=using, execute=execute) as callbacks:
            yield callbacks
        if execute:
            del connections[using].run_on_commit[start:]

    return capture


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_testing_services(request):
    """Tests run Celery tasks in-process, as the embedded default does, even when REDIS_URL is set;
    only tests marked `services` send them to the real broker and worker."""
    from config.celery import app

    # Configured from Django settings with the CELERY namespace, so the key carries the prefix.
    previous = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = request.node.get_closest_marker("services") is None
    yield
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous


@pytest.fixture(autouse=True)
def _no_rate_limits_unless_testing_them(request, settings):
    """A test client sends hundreds of requests a minute from one address; only tests marked `throttled`
    (tests/test_limits.py) run under the configured rates, as a deployment does."""
    if request.node.get_closest_marker("throttled") is None:
        settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES)


@pytest.fixture(autouse=True)
def _bundled_exchange_rates(request):
    # Migrations load the bundled rates, but transactional tests flush every table afterwards;
    # put them back for whichever test runs next.
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        return
    marker = request.node.get_closest_marker("django_db")
    wants_transactions = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if wants_transactions else "db")
    if not ExchangeRate.objects.exists():
        exchange_rates_load_bundled()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def company():
    return CompanyFactory()


@pytest.fixture
def employer(company):
    return MembershipFactory(company=company).user


@pytest.fixture
def moderator():
    return ModeratorFactory()


@pytest.fixture
def as_user():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture(autouse=True)
def _fresh_point_cache():
    """Each test starts with an empty drain cache, as a new worker process does: test databases are rolled
    back or flushed between tests, behind the cache's back (insights.services.point_cache)."""
    from insights.services import point_cache

    point_cache._cache = point_cache.PointCache()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no rendered pages kept (config.conditional): test databases are rolled back or
    flushed between tests, and an empty database gives the same validator every time."""
    from django.core.cache import cache

    cache.clear()
