"""The shared cache (Redis), failing open: what it holds (rendered public pages, request-rate counts) is an
optimisation or a limit, never data, so while Redis is unreachable a read is a miss and a write is dropped,
counted in `jobboard_cache_errors_total` and logged, and requests go on being served. Measured by
benchmarks/soak.py --faults: before this, every cached API read answered 500 for the ten seconds Redis was down.

Trade-off: while Redis is down the request limits (config.throttling) do not count, so nothing is refused for
rate; the outage is visible in /healthz and /metrics."""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_last_logged = [0.0]


def _failed(operation: str, error: Exception) -> None:
    from config.observability import CACHE_ERRORS

    CACHE_ERRORS.labels(operation=operation).inc()
    now = time.monotonic()
    if now - _last_logged[0] > 10:  # once in ten seconds is enough to see an outage, not a flood
        _last_logged[0] = now
        logger.warning("Cache unreachable (%s: %s); serving without it.", operation, error)


class FailOpenRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _failed("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _failed("get_many", error)
            return {}

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            _failed("set", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            _failed("set_many", error)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _failed("add", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _failed("delete", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            _failed("incr", error)
            raise ValueError(f"Key {key!r} not found (cache unreachable).") from error

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            _failed("has_key", error)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _failed("touch", error)
            return False
