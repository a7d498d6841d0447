"""GET /healthz: can this process serve, and is the background work keeping up? For load balancers and the
compose healthchecks: 200 when every check passes, else 503, with each check's finding in the JSON body."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from insights.models import DirtySegment

# A mark older than this means no drain or sweep has run for a while: ranges are going stale.
MAX_MARK_AGE_SECONDS = 600


def healthz(request):
    checks, healthy = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - the finding is the answer
        checks["database"], healthy = f"unavailable: {type(error).__name__}", False
    if settings.BROKER_CONFIGURED:
        try:
            import redis

            redis.Redis.from_url(settings.BROKER_CONFIGURED, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["broker"], healthy = f"unavailable: {type(error).__name__}", False
    else:
        checks["broker"] = "none: tasks run in this process (embedded default)"
    if checks["database"] == "ok":
        oldest = DirtySegment.objects.order_by("marked_at").values_list("marked_at", flat=True).first()
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        checks["oldest_pending_mark_seconds"] = round(age, 1)
        if age > MAX_MARK_AGE_SECONDS:
            checks["recompute"], healthy = f"behind: a change has waited over {MAX_MARK_AGE_SECONDS} s", False
        else:
            checks["recompute"] = "ok"
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)
