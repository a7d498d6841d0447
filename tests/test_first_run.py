"""What a new user meets first: the API index, the docs offline, and JSON errors for unknown API paths."""

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db


def test_the_api_index_lists_every_endpoint_and_each_resolves(api):
    body = api.get("/api/v1/").json()
    endpoints = body["endpoints"]
    assert {"jobs-list", "market-ranges", "offer-evaluate", "reports", "salary-submissions", "skill-premiums",
            "leaderboard", "startup-vs-bigtech", "claims", "levels"} <= set(endpoints)  # fmt: skip
    for name, url in endpoints.items():
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        filled = path.replace("{id}", "1").replace("{key}", "ml_engineer:senior:world:-:any:any:12m").replace(
            "{slug}", "acme")  # fmt: skip
        try:
            match = resolve(filled)
        except Resolver404:
            pytest.fail(f"{name}: {url} does not resolve")
        assert match.url_name == name or match.view_name.endswith(name), (name, match.view_name)
    assert body["docs"]["swagger_ui"].endswith("/api/docs/")


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_are_json_404s_with_debug_on_or_off(api, debug):
    with override_settings(DEBUG=debug):
        for path in ("/api/nope", "/api/v1/nope/", "/api/v1/jobs/not-a-number/extra/", "/api/v2/jobs/"):
            response = api.get(path)
            assert response.status_code == 404, path
            assert response["Content-Type"].startswith("application/json"), path
            assert response.json()["error"]["code"] == "not_found"
        missing_slash = api.get("/api/v1/jobs?page_size=5")
        assert missing_slash.status_code == 301 and missing_slash["Location"] == "/api/v1/jobs/?page_size=5"


def test_the_interactive_docs_load_their_assets_from_the_package(api):
    for path in ("/api/docs/", "/api/redoc/"):
        html = api.get(path).content.decode()
        assert "drf_spectacular_sidecar" in html, path
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html, path


def test_log_lines_are_printed_once():
    """A django.* logger's line once, not twice (a process of its own: pytest adds handlers of its own)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import django, logging; django.setup(); "
            "logging.getLogger('django.request').warning('marker-%s', 'once')")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True, timeout=60,
                            env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings"})  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("marker-once") == 1, output


def test_the_suite_writes_its_files_outside_the_checkout():
    from pathlib import Path

    from django.conf import settings

    checkout = Path(__file__).resolve().parents[1]
    assert not Path(settings.VAR_DIR).resolve().is_relative_to(checkout)
