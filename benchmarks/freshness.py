"""Freshness under load: how long after a posting is published do all of its market segments reflect it?

A real Celery worker (prefork) consumes the recompute queue from real Redis; this process publishes
pending postings through the service (`jobs.services.posting_approve`, the same call the API makes) at a
fixed rate, and a monitor thread polls the stored ranges of the postings still waiting. A posting counts as
reflected when every one of its segments has a range computed from data read after the posting's commit:
`computed_at` at or after the commit time (taken by the first on-commit hook), or the segment's mark cleared
(see `_reflects`). Reflection is seen by polling every 50 ms, so each figure is an upper bound up to 50 ms
late.

    .venv/bin/python benchmarks/freshness.py --recreate --base 100000      # builds the database first
    .venv/bin/python benchmarks/freshness.py --rate 50 --seconds 60        # reuses it
    .venv/bin/python benchmarks/freshness.py --rate 100 --shards 3 --workers 3   # three shards, a worker each

Writes benchmarks/results/freshness.md.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jobboard_bench_fresh"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--recreate", action="store_true", help="drop, migrate and fill the database first")
    parser.add_argument("--base", type=int, default=100_000, help="published postings already there (--recreate)")
    parser.add_argument("--rate", type=float, default=50.0, help="postings published per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="worker processes (1, as docker-compose.yml runs the recompute queue)",
    )
    parser.add_argument("--shards", type=int, default=1, help="MARKET_RECOMPUTE_SHARDS for every process")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="recompute workers: 1 consumes every shard's queue; with --workers equal to --shards, one per queue",
    )
    parser.add_argument("--publishers", type=int, default=1, help="threads publishing, each at rate/publishers")
    parser.add_argument(
        "--verify", action="store_true", help="run verify_market_ranges afterwards (slow on big tables)"
    )
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "results" / "freshness.md"))
    return parser.parse_args(argv)


def setup_django(args):
    os.environ["MARKET_RECOMPUTE_SHARDS"] = str(args.shards)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare_pending(count: int, seed: int = 11):
    """`count` pending postings shaped like random published ones (same company, role, level, place, pay)."""
    from django.contrib.auth import get_user_model

    from jobs.models import CompanyMembership, JobPosting
    from jobs.services import posting_create, posting_submit

    rng = random.Random(seed)
    user, _ = get_user_model().objects.get_or_create(username="freshness-employer")
    # Templates of verified companies only: a moderator approves no other company's postings.
    ids = list(JobPosting.objects.published().filter(company__is_verified=True).values_list("id", flat=True)[:200_000])
    pending = []
    for template in JobPosting.objects.filter(id__in=rng.sample(ids, count)).select_related("company"):
        CompanyMembership.objects.get_or_create(user=user, company=template.company)
        data = {
            "title": template.title,
            "role_family": template.role_family,
            "level": template.level,
            "country": template.country,
            "city": template.city,
            "remote_policy": template.remote_policy,
            "salary_min": template.salary_min,
            "salary_max": template.salary_max,
            "salary_currency": template.salary_currency,
            "salary_period": template.salary_period,
            "benefits": template.benefits,  # US postings open to Colorado must describe them (jobs.transparency)
        }
        posting = posting_create(company=template.company, user=user, data=data)
        pending.append(posting_submit(posting=posting, user=user))
    return pending


class Worker:
    def __init__(self, args, log: Path, *, queues: str, name: str, beat: bool):
        env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
               "MARKET_RECOMPUTE_SHARDS": str(args.shards)}  # fmt: skip
        self.log = log
        self.name = name
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    queues,
                    "-c",
                    str(args.concurrency),
                    "-l",
                    "warning",
                    "-n",
                    name,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    # the real schedule runs too (on the first worker): the sweep of leftover marks, expiry, snapshots
                    *(["--beat"] if beat else []),
                ],  # fmt: skip
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        from config.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker did not start:\n{log.read_text()}")

    def peak_rss_mb(self) -> float:
        """Largest VmHWM (peak resident set) among the worker's processes."""
        pids = [self.process.pid]
        try:
            pids += [
                int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            ]
        except OSError:
            pass
        peaks = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self):
        import signal

        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


class Monitor(threading.Thread):
    """Polls the ranges of every published-but-not-yet-reflected posting."""

    def __init__(self):
        super().__init__(daemon=True)
        self.waiting: dict[int, tuple[datetime, list[str]]] = {}
        self.latencies: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def add(self, posting_id: int, committed_at: datetime, keys: list[str]):
        with self.lock:
            self.waiting[posting_id] = (committed_at, keys)

    def run(self):
        from django.db import connection

        from insights.models import DirtySegment, MarketRange

        # Each poll reads the ranges of the waiting postings' segments only: the cost follows what is
        # waiting, not what was recomputed, so the monitor does not compete with the publisher and workers.
        while True:
            with self.lock:
                waiting = list(self.waiting.items())
            keys = sorted({key for _, (_, segment_keys) in waiting for key in segment_keys})
            marked, computed = set(), {}
            if keys:  # one array parameter per query: cheap to send however many postings are waiting
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT key FROM {DirtySegment._meta.db_table} WHERE key = ANY(%s)", [keys])
                    marked = {row[0] for row in cursor.fetchall()}
                    cursor.execute(
                        f"SELECT key, computed_at FROM {MarketRange._meta.db_table} WHERE key = ANY(%s)", [keys]
                    )
                    computed = dict(cursor.fetchall())
            seen = datetime.now(UTC)
            with self.lock:
                for posting_id, (committed_at, segment_keys) in waiting:
                    if all(_reflects(k, committed_at, computed, marked) for k in segment_keys):
                        self.latencies[posting_id] = (seen - committed_at).total_seconds()
                        del self.waiting[posting_id]
                finished = self.stopping.is_set() and (not self.waiting or time.monotonic() > self.give_up_at)
            if finished:
                break
            time.sleep(0.05)
        connection.close()


def _reflects(key: str, committed_at: datetime, computed: dict, marked: set) -> bool:
    """Whether a segment's stored range includes a posting committed (at the latest) at `committed_at`.

    Either its range was computed as of a later time, or its mark is gone: a mark is cleared only by the
    recompute that read it, in the transaction that stored the range, and a mark read after the posting's
    commit leads to data read after it too. (The on-commit stamp is taken just after the commit, so a
    recompute can reflect the posting with an as-of time a hair before the stamp; without the second rule
    such a posting would wait for a recompute that never comes.)
    """
    if key not in marked and key in computed:
        return True
    return computed.get(key) is not None and computed[key] >= committed_at


failures: list[str] = []  # publishes that raised (a deadlock, say): each one is a bug


def publish_at_rate(pending, rate: float, monitor: Monitor, moderator, threads: int = 1) -> tuple[float, int]:
    """Publish `pending` at `rate` a second in all, from `threads` threads (each its own connection) taking
    every threads-th posting, each on its own schedule; returns the time taken and how many were late."""
    start = time.monotonic()
    late = [0] * threads
    failures.clear()

    def run(part: int):
        from django.db import connection, transaction

        from insights.segments import segments_for_posting
        from jobs.services import posting_approve

        interval = threads / rate
        for index, posting in enumerate(pending[part::threads]):
            due = start + part / rate + index * interval
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            elif now - due > interval:
                late[part] += 1
            keys = [segment.key for segment in segments_for_posting(posting)]
            stamp = {}
            try:
                with transaction.atomic():
                    transaction.on_commit(lambda stamp=stamp: stamp.setdefault("at", datetime.now(UTC)))
                    posting_approve(posting=posting, moderator=moderator)
            except Exception as error:  # noqa: BLE001 - counted and reported: a publish must never fail
                failures.append(f"posting {posting.pk}: {type(error).__name__}: {str(error).splitlines()[0]}")
                continue
            monitor.add(posting.pk, stamp["at"], keys)
        connection.close()

    if threads == 1:
        run(0)
    else:
        workers = [threading.Thread(target=run, args=(part,)) for part in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    return time.monotonic() - start, sum(late)


DRAIN_LINE = re.compile(
    r"Recomputed (\d+) segments in ([\d.]+) ms: statistics ([\d.]+) ms, releases ([\d.]+) ms, storing ([\d.]+) ms"
)


def drain_steps(logs: list[Path]) -> dict:
    """Totals of the drain timing lines the workers log (insights.services.market_ranges)."""
    totals = dict.fromkeys(("batches", "segments", "total", "statistics", "releases", "storing"), 0.0)
    text = "".join(log.read_text(errors="replace") for log in logs)
    for match in DRAIN_LINE.finditer(text):
        segments, total, statistics_ms, releases, storing = match.groups()
        totals["batches"] += 1
        totals["segments"] += int(segments)
        for name, value in zip(("total", "statistics", "releases", "storing"), (total, statistics_ms, releases, storing),
                               strict=True):  # fmt: skip
            totals[name] += float(value)
    totals["batches"], totals["segments"] = int(totals["batches"]), int(totals["segments"])
    totals["release_share"] = totals["releases"] / totals["total"] if totals["total"] else 0.0
    return totals


def percentile(values, fraction):
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def main(argv=None):
    args = parse_args(argv)
    if args.recreate:
        from generate_postings import recreate_database

        recreate_database(args.database_url)
    setup_django(args)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from insights.models import DirtySegment, MarketRange
    from insights.services import market_ranges_rebuild, market_ranges_verify
    from insights.services.dirty import recompute_queues
    from jobs.models import JobPosting

    if args.recreate:
        from generate_postings import generate

        generate(args.base, max(args.base // 50, 100), 7)
        print(f"rebuilt {market_ranges_rebuild()} ranges")
    base = JobPosting.objects.visible().count()
    count = int(args.rate * args.seconds)
    print(f"preparing {count} pending postings over a table of {base:,} visible postings …")
    pending = prepare_pending(count)
    moderator, _ = get_user_model().objects.get_or_create(username="freshness-moderator", defaults={"is_staff": True})
    if DirtySegment.objects.exists():  # an earlier run was cut short: start from ranges that match the data
        print(f"marks left by an earlier run: rebuilt {market_ranges_rebuild()} ranges")
    # Start every run from tidy tables: earlier runs leave dead rows, and autovacuum may be off.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('autovacuum')")
        autovacuum = cursor.fetchone()[0]
        for model in (DirtySegment, MarketRange, JobPosting):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    connection.close()

    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in (*recompute_queues(), "celery"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue not declared yet has nothing to purge
                pass
    queues = recompute_queues()
    if args.workers == 1:
        plan = [",".join([*queues, "celery"])]
    elif args.workers == len(queues):
        plan = [f"{queue},celery" if index == 0 else queue for index, queue in enumerate(queues)]
    else:
        raise SystemExit("--workers must be 1 or equal to --shards")
    workers = []
    try:
        for index, worker_queues in enumerate(plan):
            log = Path(f"/tmp/freshness-worker-{index}.log")
            workers.append(Worker(args, log, queues=worker_queues, name=f"freshness{index}@localhost", beat=index == 0))
        monitor = Monitor()
        monitor.give_up_at = float("inf")
        monitor.start()
        elapsed, late = publish_at_rate(pending, args.rate, monitor, moderator, threads=args.publishers)
        monitor.give_up_at = time.monotonic() + 120
        monitor.stopping.set()
        monitor.join()
        rss = [worker.peak_rss_mb() for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
    latencies = list(monitor.latencies.values())
    drains = drain_steps([worker.log for worker in workers])
    unreflected = len(monitor.waiting)
    differences = market_ranges_verify() if args.verify else None
    ranges = MarketRange.objects.count()

    p50, p95, p99 = (percentile(latencies, f) for f in (0.5, 0.95, 0.99))
    command = "python benchmarks/freshness.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        "# Freshness under load",
        "",
        f"Command: `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. PostgreSQL 15 and Redis 7 on the same",
        f"{os.cpu_count()}-core machine as the publisher ({args.publishers} thread{'s' if args.publishers > 1 else ''}) and "
        f"{len(workers)} worker{'s' if len(workers) > 1 else ''} ({args.concurrency} prefork process{'es' if args.concurrency > 1 else ''} each; "
        f"{args.shards} shard{'s' if args.shards > 1 else ''}: " + "; ".join(f"`{q}`" for q in plan) + "; beat on the first).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| visible postings before the run | {base:,} |",
        f"| postings published | {len(pending) - len(failures):,} of {len(pending):,} in {elapsed:.1f} s ({(len(pending) - len(failures)) / elapsed:.1f}/s; {late} behind schedule) |",
        f"| publishes that failed | {len(failures)}{' (' + failures[0] + ')' if failures else ''} |",
        f"| reflected in every segment | {len(latencies):,} ({unreflected} never, within 120 s after the last) |",
        f"| commit → all segments fresh, p50 | {p50:.3f} s |",
        f"| p95 | {p95:.3f} s |",
        f"| p99 | {p99:.3f} s |",
        f"| max | {max(latencies):.3f} s |",
        f"| mean | {statistics.fmean(latencies):.3f} s |",
        f"| worker peak resident memory (largest process of each worker) | {' / '.join(f'{mb:.0f}' for mb in rss)} MB |",
        f"| drain batches (from the worker's log) | {drains['batches']:,}, {drains['segments']:,} segments |",
        f"| time in drains: statistics / releases / storing | {drains['statistics']:.0f} / {drains['releases']:.0f} / {drains['storing']:.0f} ms |",
        f"| the release step's share of drain time | {drains['release_share']:.1%} ({drains['releases'] / max(drains['segments'], 1) * 1000:.0f} µs a segment) |",
        f"| market ranges stored | {ranges:,} |",
        f"| PostgreSQL autovacuum | {autovacuum} (tables vacuumed before the run; the beat sweep vacuums the marks) |",
        f"| verify_market_ranges afterwards | {'not run (--verify not given)' if differences is None else f'{len(differences)} differences'} |",
    ]  # fmt: skip
    Path(args.report).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if unreflected or failures or (differences is not None and differences):
        sys.exit(1)


if __name__ == "__main__":
    main()
