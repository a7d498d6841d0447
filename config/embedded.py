"""Beat for the embedded default: with no broker, the web process runs the periodic tasks itself.

Without this, nothing on the embedded default (SQLite, tasks in-process) would expire postings, sweep marks a
failed recompute left, or take the daily snapshot. A daemon thread runs CELERY_BEAT_SCHEDULE's tasks in-process
on their schedules, and wakes at the next posting's expiry time as well, so an expired posting stops counting
in the stored ranges within about a second of expiring (under Celery, beat expires every EXPIRY_SWEEP_SECONDS).

One process per database runs it (a file lock), so gunicorn's workers do not each run the schedule; every
task is idempotent anyway.
"""

import fcntl
import hashlib
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from celery.schedules import schedule as every
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_SLEEP = 30.0  # seconds: a new posting's earlier expiry is noticed at least this often
_lock_handle = None


def _schedules() -> dict[str, object]:
    entries = {}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        spec = entry["schedule"]
        entries[entry["task"]] = every(spec) if isinstance(spec, timedelta) else spec
    return entries


def _next_expiry_in(now) -> float | None:
    from jobs.models import JobPosting

    upcoming = (
        JobPosting.objects.published().filter(expires_at__gt=now).order_by("expires_at").values_list("expires_at")[:1]
    )
    found = list(upcoming)
    return (found[0][0] - now).total_seconds() if found else None


EXPIRE = "jobs.expire_postings"


def run_due(state: dict, *, now=None) -> float:
    """Run every task that is due (all of them on the first call, and the expiry task once a posting's expiry
    time has passed); returns the seconds until something is due next. `state` carries the last runs."""
    from config.celery import app

    now = now or timezone.now()
    last_run = state.setdefault("last_run", {})
    expiry_passed = state.get("next_expiry") is not None and now >= state["next_expiry"]
    wait = MAX_SLEEP
    for name, spec in _schedules().items():
        due = name not in last_run or spec.is_due(last_run[name])[0] or (name == EXPIRE and expiry_passed)
        if due:
            try:
                app.tasks[name].apply(throw=True)
            except Exception:
                logger.exception("Embedded beat: %s failed; it runs again on its schedule.", name)
            last_run[name] = now
        wait = min(wait, max(spec.is_due(last_run[name])[1], 0.5))
    expiry = _next_expiry_in(timezone.now())
    state["next_expiry"] = None if expiry is None else timezone.now() + timedelta(seconds=expiry)
    return min(wait, expiry + 0.05) if expiry is not None else wait


def _loop() -> None:
    from config.celery import app

    app.loader.import_default_modules()  # registers the apps' tasks (autodiscovery is lazy)
    state: dict = {}
    while True:
        close_old_connections()
        try:
            wait = run_due(state)
        except Exception:  # the database went away, say: keep the thread, try again shortly
            logger.exception("Embedded beat: a round failed.")
            wait = MAX_SLEEP
        time.sleep(wait)


def start_if_embedded() -> bool:
    """Start the thread when tasks run in-process and no other process of this data directory runs it."""
    global _lock_handle
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_BEAT):
        return False
    database = hashlib.sha256(str(settings.DATABASES["default"]["NAME"]).encode()).hexdigest()[:12]
    path = Path(settings.VAR_DIR) / f"embedded-beat-{database}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _lock_handle = handle  # held for the life of the process
    threading.Thread(target=_loop, name="embedded-beat", daemon=True).start()
    logger.info("Embedded beat started: periodic tasks run in this process.")
    return True
