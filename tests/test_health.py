from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import DirtySegment

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_check_and_fails_when_recompute_falls_behind(client):
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["checks"]["database"] == "ok" and healthy.json()["checks"]["recompute"] == "ok"
    DirtySegment.objects.create(
        key="ml_engineer:senior:world::any:any:12m", marked_at=timezone.now() - timedelta(hours=1)
    )
    behind = client.get("/healthz")
    assert behind.status_code == 503 and behind.json()["status"] == "unhealthy"
    assert behind.json()["checks"]["oldest_pending_mark_seconds"] >= 3600
