"""Request ids, structured logs and metrics.

- Every request gets an id (a well-formed `X-Request-ID` it arrives with, else a new one), returned in the
  `X-Request-ID` header, put on every log line written while it is served, and carried in the headers of every
  Celery task it enqueues, so the worker's log lines of that task carry it too.
- `JsonFormatter` writes one JSON object per line (LOG_FORMAT=json; the production profile's default).
- Prometheus metrics at `/metrics`: request latency by route name (the URL pattern's name, never the raw path,
  so the number of series stays bounded), method and status class; at scrape time the recompute lag (age of
  the oldest pending mark, marks pending) and, with a broker, the length of each queue. Under gunicorn set
  PROMETHEUS_MULTIPROC_DIR so every worker's samples are summed.
"""

import ipaddress
import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

_request_id: ContextVar[str] = ContextVar("request_id", default="")
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
OTHER_QUEUES = ("imports", "reports", "celery")  # and the recompute queues (insights.services.dirty)

REQUEST_SECONDS = Histogram(
    "jobboard_request_seconds", "Time to answer a request, by route name.", ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip
CACHE_ERRORS = Counter(
    "jobboard_cache_errors", "Cache operations that failed (Redis unreachable) and were served without it.",
    ["operation"],
)  # fmt: skip
logger = logging.getLogger("jobboard.requests")


def current_request_id() -> str:
    return _request_id.get()


def request_id_middleware(get_response):
    def middleware(request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if VALID_ID.match(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = get_response(request)
        finally:
            _request_id.reset(token)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match else "") or "unmatched"
        REQUEST_SECONDS.labels(route, request.method, f"{response.status_code // 100}xx").observe(seconds)
        response["X-Request-ID"] = request_id
        if route != "metrics":
            logger.info(
                "%s %s %s", request.method, route, response.status_code,
                extra={"request_id": request_id, "route": route, "status": response.status_code,
                       "duration_ms": round(seconds * 1000, 1)},
            )  # fmt: skip
        return response

    return middleware


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "route", "status", "duration_ms", "task", "task_id")

    def format(self, record):
        body = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **{name: getattr(record, name) for name in self.FIELDS if getattr(record, name, "")},
        }
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str)


# Celery: the id travels in the task message's headers and is set while the task runs.
def task_publishing(headers=None, **_):
    if headers is not None and _request_id.get():
        headers.setdefault("request_id", _request_id.get())


_task_tokens: dict[str, object] = {}


def task_started(task_id=None, task=None, **_):
    request_id = getattr(task.request, "request_id", None) or (task.request.headers or {}).get("request_id")
    if request_id:
        _task_tokens[task_id] = _request_id.set(request_id)


def task_finished(task_id=None, **_):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _request_id.reset(token)


class RecomputeCollector:
    """Read at scrape time: how far the recompute is behind, and how long each queue is."""

    def collect(self):
        from django.conf import settings
        from django.db.models import Count, Min
        from django.utils import timezone

        from insights.models import DirtySegment
        from insights.services.dirty import recompute_queues

        now = timezone.now()
        by_shard = {
            row["shard"]: row
            for row in DirtySegment.objects.values("shard").annotate(n=Count("key"), oldest=Min("marked_at"))
        }
        oldest = min((row["oldest"] for row in by_shard.values()), default=None)
        lag = GaugeMetricFamily("jobboard_recompute_lag_seconds", "Age of the oldest pending recompute mark.")
        lag.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield lag
        shard_lag = GaugeMetricFamily("jobboard_recompute_shard_lag_seconds",
                                      "Age of the oldest pending mark of each recompute shard.", labels=["shard"])  # fmt: skip
        pending = GaugeMetricFamily("jobboard_recompute_marks", "Segments waiting to be recomputed, by shard.",
                                    labels=["shard"])  # fmt: skip
        queues = recompute_queues()
        for shard in range(len(queues)):
            row = by_shard.get(shard)
            shard_lag.add_metric([str(shard)], (now - row["oldest"]).total_seconds() if row else 0.0)
            pending.add_metric([str(shard)], row["n"] if row else 0)
        yield shard_lag
        yield pending
        if settings.BROKER_CONFIGURED.startswith("redis"):
            import redis

            client = redis.Redis.from_url(settings.BROKER_CONFIGURED, socket_timeout=2)
            lengths = GaugeMetricFamily("jobboard_queue_length", "Messages waiting in each Celery queue.",
                                        labels=["queue"])  # fmt: skip
            for queue in (*queues, *OTHER_QUEUES):
                lengths.add_metric([queue], client.llen(queue))
            yield lengths


def _from_scraper(request) -> bool:
    from django.conf import settings

    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics(request):
    """Prometheus text, for the scrape network only (METRICS_ALLOWED_NETWORKS): anyone else gets a 404."""
    from django.http import Http404, HttpResponse

    if not _from_scraper(request):
        raise Http404("No such page.")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
        registry.register(CACHE_ERRORS)
    registry.register(RecomputeCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
