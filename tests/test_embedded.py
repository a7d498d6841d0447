"""The embedded default runs its periodic work in the web process: a real server on a SQLite file expires a
posting at its time and takes it out of the stored market ranges, with no worker and no beat."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from insights.services import market_ranges_rebuild
from jobs.models import JobPosting
from tests.factories import CompanyFactory, PublishedPostingFactory
for n in range(6):
    PublishedPostingFactory(company=CompanyFactory(), salary_min=Decimal(100000 + 5000 * n), salary_max=Decimal(150000))
leaving = JobPosting.objects.order_by("id").first()
JobPosting.objects.filter(pk=leaving.pk).update(expires_at=timezone.now() + timedelta(seconds=4))
market_ranges_rebuild()
"""
CHECK = """
from insights.models import MarketRange
from jobs.models import JobPosting
market = MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m")
print(market.sample_size, JobPosting.objects.filter(status="expired").count())
"""


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_served_embedded_default_expires_postings_and_recomputes_without_a_worker(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "0"}
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", SETUP)
    assert manage(env, "shell", "-c", CHECK).split() == ["6", "0"]

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if manage(env, "shell", "-c", CHECK).split() == ["5", "1"]:
                break
            time.sleep(1)
        assert manage(env, "shell", "-c", CHECK).split() == ["5", "1"]
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert output.count("Embedded beat started") <= 1, output  # one process of the two runs the schedule
