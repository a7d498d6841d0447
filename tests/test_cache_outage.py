"""A Redis outage under the cache: public reads and throttled requests go on being answered (config.cache fails
open), counted in /metrics, and the cache is used again once Redis is back. A real redis-server of the test's
own is stopped and started, as benchmarks/soak.py --faults does to the whole stack."""

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.test import Client

from config.observability import CACHE_ERRORS
from tests.conftest import require_or_skip
from tests.factories import PublishedPostingFactory

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self):
        if shutil.which("redis-server") is None:
            require_or_skip("this test needs the redis-server binary on PATH")
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings):
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {"default": {
        "BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{redis.port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}  # fmt: skip
    yield redis
    if redis.process.poll() is None:
        redis.stop()


def errors() -> float:
    return sum(sample.value for metric in CACHE_ERRORS.collect() for sample in metric.samples
               if sample.name.endswith("_total"))  # fmt: skip


def test_reads_and_limits_are_served_while_redis_is_down_and_use_it_again_after(own_redis, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "1000/minute"}
    PublishedPostingFactory()
    client = Client()
    assert client.get("/api/v1/jobs/").status_code == 200
    kept = cache._cache.get_client().keys("*")
    assert any(b"page:" in key for key in kept), kept  # the page was kept in this Redis
    before = errors()
    own_redis.stop()
    started = time.monotonic()
    for path in ("/api/v1/jobs/", "/jobs/", "/api/v1/market-ranges/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:200])
    assert time.monotonic() - started < 10  # each miss gives up within the socket timeout
    assert errors() > before
    own_redis.start()
    assert client.get("/api/v1/jobs/").status_code == 200
    assert cache.get("probe") is None and cache.set("probe", 1) is None and cache.get("probe") == 1
