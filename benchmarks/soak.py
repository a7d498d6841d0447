"""Soak: the whole stack under a mixed load for minutes, optionally with a Redis restart and a worker kill.

gunicorn (the project's WSGI app) + PostgreSQL + a Redis of its own (started here, so it can be restarted) + a
recompute worker + a batch worker running beat. Client threads send a mixed load over HTTP: browse and search
80% (job lists with filters, text search, next pages by cursor, market ranges, the HTML search page), job detail 10%, offer
evaluation 5%, employer writes 5% (a draft created, then edited); a publisher thread meanwhile creates,
submits and approves postings through the API throughout. Recorded: every request's status and latency by
endpoint, the resident memory of every web and worker process every 15 s, and the recompute lag (age of the
oldest pending mark) every half second. At the end: every write answered 2xx is checked in the database
(zero lost writes), the marks must drain, and `verify_market_ranges` must be clean.

With --faults, a third of the way in Redis is stopped for --outage seconds and started again (empty: its
queued messages are lost, as in a crash without persistence), and two thirds in the recompute worker is
killed with SIGKILL and started again 5 s later (as a supervisor would). The degraded period is how long the
recompute lag stayed above 5 s.

    .venv/bin/python benchmarks/freshness.py --recreate --base 100000 --seconds 10   # builds the database
    .venv/bin/python benchmarks/soak.py --minutes 10
    .venv/bin/python benchmarks/soak.py --minutes 10 --faults

Writes benchmarks/results/soak.md (or soak-faults.md).
"""

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from http_load import GUNICORN, free_port  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jobboard_bench_fresh"
WEB_WORKERS = 3
CLIENTS = 6
LAG_DEGRADED_SECONDS = 5.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warm-up", type=float, default=2.0, help="minutes before the memory baseline")
    parser.add_argument("--publish-rate", type=float, default=2.0, help="postings published a second (3 requests each)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--faults", action="store_true", help="restart Redis once and kill the recompute worker once")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds Redis stays down")
    parser.add_argument("--report", default=None)
    return parser.parse_args(argv)


# --- processes ------------------------------------------------------------------------------------------------


class Redis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Service:
    """A long-running process of the stack with its own log and process group."""

    def __init__(self, name: str, command: list[str], env: dict):
        self.name, self.command, self.env = name, command, env
        self.log = Path(f"/tmp/soak-{name}.log")
        self.restarts = 0
        self.start()

    def start(self):
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def pids(self) -> list[int]:
        """The process and its children (gunicorn's or the prefork pool's workers)."""
        pids = [self.process.pid]
        try:
            pids += [
                int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            ]
        except OSError:
            pass
        return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- the load -------------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.failures: list[tuple[float, str, str]] = []  # (time, endpoint, what)
        self.created: dict[int, dict] = {}  # posting id -> the fields the API accepted
        self.published: set[int] = set()
        self.started = time.monotonic()

    def add(self, endpoint: str, status: int, seconds: float, detail: str = ""):
        with self.lock:
            self.latencies[endpoint].append(seconds)
            self.statuses[endpoint][status] += 1
            if status >= 500 or status == 0 or (status >= 400 and status not in (404,)):
                self.failures.append((time.monotonic() - self.started, endpoint, f"{status} {detail[:200]}"))


def call(base: str, recorder: Recorder, endpoint: str, method: str, path: str, body=None, token: str = ""):
    headers = {"Accept": "text/html" if path.startswith("/jobs/") and method == "GET" else "application/json"}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        payload, status = error.read(), error.code
    except OSError as error:
        payload, status = str(error).encode(), 0
    recorder.add(endpoint, status, time.perf_counter() - started, payload.decode(errors="replace"))
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


def posting_body(rng: random.Random) -> dict:
    level = rng.choice(["junior", "mid", "senior", "staff"])
    low = rng.randrange(90_000, 200_000, 1_000)
    return {
        "title": f"{level.title()} Machine Learning Engineer",
        "role_family": "ml_engineer",
        "level": level,
        "country": rng.choice(["US", "DE", "GB"]),
        "salary_min": low,
        "salary_max": low + 30_000,
        "salary_currency": "USD",
        "salary_period": "YEAR",
        "city": "",
        "description": "Soak test posting.",
        "benefits": "Health insurance and a retirement plan.",  # pay-transparency laws ask some places for it
    }


def client_loop(base, recorder, stop: threading.Event, seed: int, ids: list[int], employers: list[str]):
    rng = random.Random(seed)
    next_cursor = None
    browse = [
        "/api/v1/jobs/",
        "/api/v1/jobs/?level=senior",
        "/api/v1/jobs/?country=US&level=staff",
        "/api/v1/jobs/?q=engineer",
        "/api/v1/jobs/?remote=true&page_size=50",
        "/api/v1/market-ranges/?role=ml_engineer&level=senior",
        "/api/v1/market-ranges/?country=DE",
        "/jobs/",
        "/jobs/?level=senior&country=US",
        "/jobs/?q=engineer&ordering=pay",
    ]
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.80:
            if next_cursor and rng.random() < 0.3:
                status, body = call(base, recorder, "browse: next page", "GET", next_cursor)
            else:
                path = rng.choice(browse)
                status, body = call(base, recorder, f"browse: {path.split('?')[0]}", "GET", path)
                if path.startswith("/jobs/"):
                    continue  # an HTML page: its next page is a link in the page, not followed here
            next_cursor = (body or {}).get("next") if status == 200 and isinstance(body, dict) else None
            if next_cursor:
                next_cursor = "/" + next_cursor.split("://", 1)[-1].split("/", 1)[-1]
        elif roll < 0.90:
            call(base, recorder, "job detail", "GET", f"/api/v1/jobs/{rng.choice(ids)}/")
        elif roll < 0.95:
            offer = {"role": "ml_engineer", "level": rng.choice(["mid", "senior"]), "country": "US",
                     "base_amount": rng.randrange(100_000, 250_000, 1_000)}  # fmt: skip
            call(base, recorder, "offer evaluation", "POST", "/api/v1/offers/evaluate/", offer)
        else:
            token = rng.choice(employers)
            body = posting_body(rng)
            status, created = call(base, recorder, "employer: create draft", "POST", "/api/v1/jobs/", body, token)
            if status == 201:
                with recorder.lock:
                    recorder.created[created["id"]] = body
                edit = {"title": body["title"] + " (edited)"}
                status, _ = call(base, recorder, "employer: edit draft", "PATCH", f"/api/v1/jobs/{created['id']}/",
                                 edit, token)  # fmt: skip
                if status == 200:
                    with recorder.lock:
                        recorder.created[created["id"]] = {**body, **edit}


def publisher_loop(base, recorder, stop: threading.Event, rate: float, employers: list[str], moderator: str):
    rng = random.Random(99)
    started, index = time.monotonic(), 0
    while not stop.wait(max(0.0, started + index / rate - time.monotonic())):
        index += 1
        token = rng.choice(employers)
        body = posting_body(rng)
        status, created = call(base, recorder, "publish: create", "POST", "/api/v1/jobs/", body, token)
        if status != 201:
            continue
        with recorder.lock:
            recorder.created[created["id"]] = body
        posting = created["id"]
        status, _ = call(base, recorder, "publish: submit", "POST", f"/api/v1/jobs/{posting}/submit/", {}, token)
        if status == 200:
            status, _ = call(
                base, recorder, "publish: approve", "POST", f"/api/v1/jobs/{posting}/approve/", {}, moderator
            )
            if status == 200:
                with recorder.lock:
                    recorder.published.add(posting)


class LagMonitor(threading.Thread):
    """The recompute lag (age of the oldest mark) every half second, read straight from PostgreSQL."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.samples: list[tuple[float, float]] = []
        self.stop_event = threading.Event()

    def run(self):
        import psycopg

        started = time.monotonic()
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.stop_event.wait(0.5):
                row = conn.execute(
                    "SELECT extract(epoch FROM now() - min(marked_at)) FROM insights_dirtysegment"
                ).fetchone()
                self.samples.append((time.monotonic() - started, float(row[0] or 0.0)))

    def degraded(self) -> tuple[float, float]:
        """Seconds in all, and the longest stretch, with the lag above LAG_DEGRADED_SECONDS."""
        total = longest = current = 0.0
        for (_, lag), (_, _next) in zip(self.samples, self.samples[1:], strict=False):
            if lag > LAG_DEGRADED_SECONDS:
                total += 0.5
                current += 0.5
                longest = max(longest, current)
            else:
                current = 0.0
        return total, longest


def setup(database_url: str, employers: int = 6) -> tuple[list[str], str, list[int]]:
    """Employers (members of existing companies) and a moderator with API tokens; posting ids to read."""
    import django

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from jobs.models import Company, CompanyMembership, JobPosting

    users = get_user_model()
    tokens = []
    for index, company in enumerate(Company.objects.filter(is_verified=True).order_by("id")[:employers]):
        user, _ = users.objects.get_or_create(username=f"soak-employer-{index}")
        CompanyMembership.objects.get_or_create(user=user, company=company)
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    moderator, _ = users.objects.get_or_create(username="soak-moderator", defaults={"is_staff": True})
    moderators = Group.objects.filter(name="moderators").first()
    if moderators:
        moderator.groups.add(moderators)
    ids = list(JobPosting.objects.published().order_by("?").values_list("id", flat=True)[:2000])
    return tokens, Token.objects.get_or_create(user=moderator)[0].key, ids


def main(argv=None):
    args = parse_args(argv)
    employers, moderator, ids = setup(args.database_url)
    from django.db import connection

    from insights.models import DirtySegment
    from insights.services import market_ranges_rebuild, market_ranges_verify
    from jobs.models import JobPosting

    if DirtySegment.objects.exists():
        print(f"marks left by an earlier run: rebuilt {market_ranges_rebuild()} ranges")
    connection.close()
    redis = Redis()
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DATABASE_URL": args.database_url, "REDIS_URL": redis.url, "DJANGO_DEBUG": "0", "DJANGO_ENV": "development",
            "API_THROTTLING": "off", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    celery = [sys.executable, "-m", "celery", "-A", "config", "worker", "--without-gossip", "--without-mingle",
              "--without-heartbeat", "-l", "warning"]  # fmt: skip
    services = {
        "web": Service(
            "web",
            [
                str(GUNICORN),
                "config.wsgi:application",
                "--workers",
                str(WEB_WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            env,
        ),  # fmt: skip
        "recompute": Service(
            "recompute", [*celery, "-Q", "recompute", "-c", "1", "-n", "soak-recompute@localhost"], env
        ),
        "batch": Service(
            "batch",
            [
                *celery,
                "-Q",
                "imports,reports,celery",
                "-c",
                "1",
                "-n",
                "soak-batch@localhost",
                "--beat",
                "-s",
                "/tmp/soak-beat-schedule",
            ],
            env,
        ),  # fmt: skip
    }
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the web service did not become healthy")
        time.sleep(0.5)
    visible_before = JobPosting.objects.visible().count()
    connection.close()

    recorder = Recorder()
    stop = threading.Event()
    lag = LagMonitor(args.database_url)
    lag.start()
    threads = [threading.Thread(target=client_loop, args=(base, recorder, stop, seed, ids, employers), daemon=True)
               for seed in range(args.clients)]  # fmt: skip
    threads.append(threading.Thread(target=publisher_loop, args=(base, recorder, stop, args.publish_rate, employers,
                                                                  moderator), daemon=True))  # fmt: skip
    for thread in threads:
        thread.start()

    seconds = args.minutes * 60
    memory: list[tuple[float, dict[str, list[float]]]] = []
    events: list[str] = []
    faults = [(seconds / 3, "redis"), (2 * seconds / 3, "worker")] if args.faults else []
    started = time.monotonic()
    next_sample = 0.0
    while (elapsed := time.monotonic() - started) < seconds:
        if elapsed >= next_sample:
            memory.append((elapsed, {name: [rss_mb(pid) for pid in s.pids()] for name, s in services.items()}))
            next_sample += 15
        if faults and elapsed >= faults[0][0]:
            _, what = faults.pop(0)
            if what == "redis":
                redis.stop()
                events.append(f"{elapsed:.0f} s: Redis stopped")
                time.sleep(args.outage)
                redis.start()
                events.append(f"{time.monotonic() - started:.0f} s: Redis started again (empty)")
            else:
                services["recompute"].kill()
                events.append(f"{elapsed:.0f} s: recompute worker killed (SIGKILL, whole process group)")
                time.sleep(5)
                services["recompute"].start()
                events.append(f"{time.monotonic() - started:.0f} s: recompute worker started again")
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    memory.append(
        (time.monotonic() - started, {name: [rss_mb(pid) for pid in s.pids()] for name, s in services.items()})
    )

    # Drain: the marks must go (a lost message is picked up by beat's sweep every MARKET_SWEEP_SECONDS).
    drain_started = time.monotonic()
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        while (
            conn.execute("SELECT count(*) FROM insights_dirtysegment").fetchone()[0]
            and time.monotonic() - drain_started < 180
        ):
            time.sleep(0.5)
        left = conn.execute("SELECT count(*) FROM insights_dirtysegment").fetchone()[0]
    drained_in = time.monotonic() - drain_started
    lag.stop_event.set()
    lag.join()
    for service in services.values():
        service.stop()
    redis.stop()

    # Zero lost writes: every 2xx write is in the database as answered.
    lost = []
    stored = {p.id: p for p in JobPosting.objects.filter(id__in=list(recorder.created))}
    for posting_id, body in recorder.created.items():
        posting = stored.get(posting_id)
        if posting is None or posting.title != body["title"]:
            lost.append(posting_id)
    not_published = sorted(p for p in recorder.published if stored.get(p) is None or stored[p].status != "published")
    visible_after = JobPosting.objects.visible().count()
    verify_started = time.monotonic()
    differences = market_ranges_verify()
    verify_seconds = time.monotonic() - verify_started

    write_report(args, recorder, memory, lag, events, lost, not_published, left, drained_in, differences,
                 verify_seconds, visible_before, visible_after, seconds)  # fmt: skip
    if recorder.failures or lost or not_published or left or differences:
        sys.exit(1)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * fraction)))] if ordered else 0.0


def write_report(args, recorder, memory, lag, events, lost, not_published, left, drained_in, differences,
                 verify_seconds, visible_before, visible_after, seconds):  # fmt: skip
    command = "python benchmarks/soak.py " + " ".join(sys.argv[1:])
    total = sum(len(v) for v in recorder.latencies.values())
    lines = [
        f"# Soak{' with faults' if args.faults else ''}",
        "",
        f"Command: `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores shared by everything:",
        f"gunicorn ({WEB_WORKERS} sync workers), PostgreSQL 15, a Redis 7 of the run's own, a recompute worker (`recompute`,",
        f"1 process), a batch worker with beat, {args.clients} client threads and a publisher at {args.publish_rate}/s.",
        "Throttling off (every client is one address).",
        "",
        f"{total:,} requests in {seconds / 60:.1f} min ({total / seconds:.1f}/s); failures (5xx, refused, unexpected 4xx): "
        f"**{len(recorder.failures)}**.",
        "",
        "| endpoint | requests | statuses | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for endpoint in sorted(recorder.latencies):
        values = recorder.latencies[endpoint]
        statuses = ", ".join(f"{s}: {n:,}" for s, n in sorted(recorder.statuses[endpoint].items()))
        lines.append(f"| {endpoint} | {len(values):,} | {statuses} | {1000 * statistics.median(values):.0f} | "
                     f"{1000 * percentile(values, 0.99):.0f} | {1000 * max(values):.0f} |")  # fmt: skip
    warm = next((m for t, m in memory if t >= args.warm_up * 60), memory[0][1])
    last = memory[-1][1]
    lines += ["", "| process | RSS after warm-up (MB) | RSS at the end (MB) | growth |", "|---|---|---|---|"]
    for name in warm:
        for index, (before, after) in enumerate(zip(warm[name], last.get(name, []), strict=False)):
            role = "supervisor" if index == 0 else f"child {index}"
            growth = (after - before) / before if before else 0.0
            lines.append(f"| {name} {role} | {before:.0f} | {after:.0f} | {growth:+.1%} |")
    lags = [value for _, value in lag.samples]
    degraded, longest = lag.degraded()
    lines += [
        "",
        "| check | value |",
        "|---|---|",
        f"| writes answered 2xx (postings created / published) | {len(recorder.created):,} / {len(recorder.published):,} |",
        f"| lost writes (2xx but not in the database as answered) | {len(lost)} |",
        f"| approved (200) but not published in the database | {len(not_published)} |",
        f"| visible postings before → after | {visible_before:,} → {visible_after:,} |",
        f"| recompute lag p50 / p99 / max during the run | {percentile(lags, 0.5):.2f} / {percentile(lags, 0.99):.2f} / {max(lags or [0]):.2f} s |",
        f"| degraded (lag > {LAG_DEGRADED_SECONDS:.0f} s): in all / longest stretch | {degraded:.1f} / {longest:.1f} s |",
        f"| marks left {drained_in:.0f} s after the load stopped | {left} |",
        f"| verify_market_ranges afterwards | {len(differences)} differences ({verify_seconds:.0f} s) |",
    ]
    if events:
        lines += ["", "Faults: " + "; ".join(events) + "."]
    if recorder.failures:
        lines += ["", "Failures (first 20):", ""]
        lines += [f"- {t:.0f} s {endpoint}: {what}" for t, endpoint, what in recorder.failures[:20]]
    report = Path(args.report or ROOT / "benchmarks" / "results" / ("soak-faults.md" if args.faults else "soak.md"))
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
