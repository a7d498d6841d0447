"""The production profile refuses to start when it would be insecure."""

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    # A database that does not exist yet, as on a fresh machine: checks must not need tables.
    clean["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/never-migrated.sqlite3"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = run_check(DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="jobs.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_with_a_short_secret_key_refuses_to_start():
    result = run_check(DJANGO_ENV="production", DJANGO_SECRET_KEY="too-short", DJANGO_ALLOWED_HOSTS="jobs.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_with_debug_on_refuses_to_start():
    key = secrets.token_urlsafe(50)
    result = run_check(
        DJANGO_ENV="production", DJANGO_SECRET_KEY=key, DJANGO_DEBUG="true", DJANGO_ALLOWED_HOSTS="x.example"
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_production_with_a_strong_key_passes_the_deploy_checks():
    key = secrets.token_urlsafe(50)
    result = run_check(DJANGO_ENV="production", DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="jobs.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
