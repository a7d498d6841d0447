"""Request ids on responses and log lines, JSON log lines, and the Prometheus metrics page."""

import json
import logging

import pytest
from rest_framework.test import APIClient

from config.observability import JsonFormatter

pytestmark = pytest.mark.django_db


def test_each_request_has_an_id_on_its_response_and_its_log_line(caplog):
    client = APIClient()
    with caplog.at_level(logging.INFO, logger="jobboard.requests"):
        given = client.get("/api/v1/jobs/", HTTP_X_REQUEST_ID="abc-12345-def")
        made = client.get("/api/v1/jobs/", HTTP_X_REQUEST_ID="<script>")  # not a well-formed id: replaced
    assert given["X-Request-ID"] == "abc-12345-def"
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "<script>"
    line = next(r for r in caplog.records if getattr(r, "request_id", "") == "abc-12345-def")
    assert line.route == "v1:jobs-list" and line.status == 200
    formatted = json.loads(JsonFormatter().format(line))
    assert formatted["request_id"] == "abc-12345-def" and formatted["route"] == "v1:jobs-list"
    assert formatted["level"] == "INFO" and "duration_ms" in formatted


def test_metrics_are_labelled_by_route_name_never_by_path(client):
    for pk in (1, 2, 3):
        client.get(f"/api/v1/jobs/{pk}/")
    page = client.get("/metrics")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/plain")
    text = page.content.decode()
    assert 'jobboard_request_seconds_count{method="GET",route="v1:jobs-detail",status="4xx"}' in text
    assert "/api/v1/jobs/1/" not in text
    assert "jobboard_recompute_lag_seconds" in text


def test_metrics_are_for_the_scrape_network_only(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
