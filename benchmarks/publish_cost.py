"""What one publish costs the database, at different table sizes.

For each database given, 60 pending postings shaped like random published ones are approved through the
service (`jobs.services.posting_approve`, what the API's approve calls), with a real Redis broker and no
worker, so the publish enqueues its drain message but does not run it. Measured per publish: the SQL statements of the publish transaction,
the rows it writes (the posting, one mark per segment), and its time; then, separately, the drain that
recomputes that posting's segments: its statements, the data points its segments hold (what an exact
percentile must read) and its time.

    .venv/bin/python benchmarks/publish_cost.py \\
        postgres://postgres@127.0.0.1:5432/jobboard_bench_fresh_small \\
        postgres://postgres@127.0.0.1:5432/jobboard_bench_1m

Writes benchmarks/results/publish_cost.md. Each database run is a subprocess (one Django per database).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
SAMPLES = int(os.environ.get("PUBLISH_COST_SAMPLES", "60"))
REDIS = "redis://127.0.0.1:6379/14"


def measure() -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from freshness import prepare_pending

    from insights.models import DirtySegment, MarketRange
    from insights.segments import segments_for_posting
    from insights.services import market_ranges_recompute
    from jobs.models import JobPosting
    from jobs.services import posting_approve

    visible = JobPosting.objects.visible().count()
    moderator, _ = get_user_model().objects.get_or_create(username="cost-moderator", defaults={"is_staff": True})
    pending = prepare_pending(SAMPLES, seed=23)
    # A worker that has drained before holds every partition's points (insights.services.point_cache): time
    # that first read on its own, then measure drains in that steady state.
    warm_ms = None
    if connection.vendor == "postgresql" and settings.MARKET_POINT_CACHE:
        from insights.services.point_cache import point_cache_segment_stats

        partitions = JobPosting.objects.visible().order_by().values_list("role_family", "level").distinct()
        started = time.perf_counter()
        point_cache_segment_stats(now=timezone.now(), keys=[f"{r}:{lv}:world:-:any:any:12m" for r, lv in partitions])
        warm_ms = (time.perf_counter() - started) * 1000
    peak_mb = _peak_rss_mb()  # this process so far: Django, the pending postings and (when used) the point cache
    publish_queries, publish_rows, publish_ms, drain_queries, drain_points, drain_ms = [], [], [], [], [], []
    for posting in pending:
        DirtySegment.objects.all().delete()
        keys = [segment.key for segment in segments_for_posting(posting)]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            with transaction.atomic():
                posting_approve(posting=posting, moderator=moderator)
            publish_ms.append((time.perf_counter() - started) * 1000)
        publish_queries.append(len(queries))
        publish_rows.append(1 + DirtySegment.objects.count())
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            market_ranges_recompute(keys=keys)
            drain_ms.append((time.perf_counter() - started) * 1000)
        drain_queries.append(len(queries))
        drain_points.append(sum(MarketRange.objects.filter(key__in=keys).values_list("sample_size", flat=True)))
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("recompute")
    return {
        "visible": visible,
        "segments": len(keys),
        "publish_queries": statistics.median(publish_queries),
        "publish_queries_max": max(publish_queries),
        "publish_rows": statistics.median(publish_rows),
        "publish_ms": statistics.median(publish_ms),
        "drain_queries": statistics.median(drain_queries),
        "drain_points": statistics.median(drain_points),
        "drain_ms": statistics.median(drain_ms),
        "warm_ms": warm_ms,
        "peak_mb": peak_mb,
    }


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        print("RESULT " + json.dumps(measure()))
        return
    results = []
    for url in argv:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
        # A real broker with no worker: the publish enqueues its drain message as in production, and the
        # drain is then timed on its own.
        env |= {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": REDIS}
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, cwd=ROOT, capture_output=True, text=True)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(out.stdout + out.stderr)
        results.append((url.rsplit("/", 1)[-1], json.loads(line[7:])))
        print(results[-1])
    lines = [
        "# What one publish costs",
        "",
        f"Command: `python benchmarks/publish_cost.py {' '.join(argv)}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Medians over {SAMPLES} publishes per database (2-core machine, PostgreSQL 15).",
        "",
        "| database | visible postings | publish: statements | rows written | time | drain of its segments: statements | data points in them | time | worker's first read of every partition |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, r in results:
        warm = "—" if r["warm_ms"] is None else f"{r['warm_ms'] / 1000:.1f} s, process peak {r['peak_mb']:.0f} MB"
        lines.append(
            f"| {name} | {r['visible']:,} | {r['publish_queries']:.0f} (max {r['publish_queries_max']}) | "
            f"{r['publish_rows']:.0f} | {r['publish_ms']:.1f} ms | {r['drain_queries']:.0f} | "
            f"{r['drain_points']:,.0f} | {r['drain_ms']:.0f} ms | {warm} |"
        )
    report = ROOT / "benchmarks" / "results" / "publish_cost.md"
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
