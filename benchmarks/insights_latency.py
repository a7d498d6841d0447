"""Insight cost on a large database: how long each kind of insight report takes to build, and the latency of the
read-time insights (offer evaluation, startups against big tech, the leaderboard), against one stored range
read by key as the baseline (a ratio, since machines are noisy).

Reports are built in process by the service the worker runs (insights.services.reports.report_generate),
each kind `--repeat` times (regenerated from scratch each time, charts included). The read-time insights go
through the real URLconf and middleware (Django's test client, in process), each `--repeat` times after a
warm-up, with their SQL statements counted. The database must already hold generated postings with their
market ranges (benchmarks/api_serving.py or generate_postings.py + rebuild_market_ranges make one).

    .venv/bin/python benchmarks/insights_latency.py \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_serving_1m [--repeat 20]

Writes benchmarks/results/insights_latency.md.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OFFER = {"role": "ml_engineer", "level": "senior", "country": "US", "city": "San Francisco",
         "company_size": "startup", "base_amount": 175000, "currency": "USD", "bonus_pct": 10,
         "equity_pct": 0.5, "company_valuation": 80000000, "sign_on": 20000}  # fmt: skip
OFFER_EUR = {**OFFER, "country": "DE", "city": "Berlin", "base_amount": 7500, "currency": "EUR", "period": "MONTH"}


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jobboard_bench_serving_1m")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "results" / "insights_latency.md"))
    args = parser.parse_args(argv)
    os.environ |= {"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["EMBEDDED_BEAT"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from insights.models import InsightReport, MarketRange, ReportKind
    from insights.services.reports import report_generate
    from jobs.models import Company, JobPosting

    postings = JobPosting.objects.count()
    baseline_key = "ml_engineer:senior:country:US:any:any:12m"
    baseline = timed(lambda: MarketRange.objects.get(key=baseline_key), args.repeat * 5)
    base_ms = statistics.median(baseline)

    user, _ = User.objects.get_or_create(username="insights-benchmark", defaults={"is_staff": True})
    busiest = list(
        JobPosting.objects.filter(company__in=Company.objects.order_by("pk")[:200]).values_list("company__slug", flat=True)
        .order_by("company__slug").distinct()[:3]
    )  # fmt: skip
    kinds = [
        (ReportKind.MARKET_OVERVIEW, {"role": "ml_engineer", "place": "world", "window": "12m"}),
        (ReportKind.MARKET_OVERVIEW, {"role": "data_scientist", "place": "US", "window": "12m"}),
        (ReportKind.LEVEL_LADDER, {"role": "ml_engineer", "place": "europe", "window": "12m"}),
        (ReportKind.STARTUP_VS_BIGTECH, {"role": "ml_engineer", "place": "US", "window": "all", "equity_pct": "0.5",
                                         "valuation_usd": "50000000"}),
        (ReportKind.COMPANY_COMPARISON, {"companies": busiest}),
        (ReportKind.EMPLOYER_POSTINGS, {"company": busiest[0]}),
    ]  # fmt: skip
    report_rows = []
    for kind, parameters in kinds:
        from insights.reports.kinds import parameters_key

        report = InsightReport.objects.create(kind=kind, parameters=parameters, owner=user,
                                              parameters_key=parameters_key(kind, parameters))  # fmt: skip

        def build(report=report):
            InsightReport.objects.filter(pk=report.pk).update(status="pending")
            assert report_generate(report_id=report.pk)

        build()
        times = timed(build, args.repeat)
        report.refresh_from_db()
        assert report.status == "done", report.error
        with CaptureQueriesContext(connection) as queries:
            build()
        svg = sum(len(s) for s in report.charts.values())
        report_rows.append(
            (kind, parameters, statistics.median(times), max(times), len(queries), len(report.charts), svg)
        )
        report.delete()

    client = Client()
    reads = [
        ("POST /api/v1/offers/evaluate/ (US, startup, city)", lambda: client.post("/api/v1/offers/evaluate/", OFFER,
                                                                                   content_type="application/json")),
        ("POST /api/v1/offers/evaluate/ (DE, EUR monthly)", lambda: client.post("/api/v1/offers/evaluate/", OFFER_EUR,
                                                                                 content_type="application/json")),
        ("GET /api/v1/insights/startup-vs-bigtech/?role=ml_engineer&place=US",
         lambda: client.get("/api/v1/insights/startup-vs-bigtech/?role=ml_engineer&place=US")),
        ("GET /api/v1/insights/leaderboard/?by=city&role=ml_engineer&level=senior",
         lambda: client.get("/api/v1/insights/leaderboard/?by=city&role=ml_engineer&level=senior")),
        ("GET /api/v1/insights/leaderboard/?by=country&role=data_engineer&level=mid",
         lambda: client.get("/api/v1/insights/leaderboard/?by=country&role=data_engineer&level=mid")),
    ]  # fmt: skip
    read_rows = []
    for label, call in reads:
        response = call()
        assert response.status_code == 200, (label, response.content[:300])
        times = timed(call, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            call()
        read_rows.append((label, statistics.median(times), max(times), len(queries)))

    command = "python benchmarks/insights_latency.py --database-url " + args.database_url + f" --repeat {args.repeat}"
    lines = [
        "# Insight reports and read-time insights at scale",
        "",
        f"Command: `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}.",
        "",
        f"Database: {postings:,} postings, {MarketRange.objects.count():,} market ranges. Baseline: one stored "
        f"range read by key, median {base_ms:.2f} ms.",
        "",
        "## Report generation (in process, the worker's service; charts drawn)",
        "",
        "| kind | parameters | median | slowest | × baseline | SQL statements | charts | SVG bytes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, parameters, median, slowest, statements, charts, svg in report_rows:
        shown = ", ".join(f"{k}={v}" for k, v in parameters.items())
        lines.append(f"| {kind} | {shown} | {median:.0f} ms | {slowest:.0f} ms | {median / base_ms:.0f}× | "
                     f"{statements} | {charts} | {svg:,} |")  # fmt: skip
    lines += ["", "## Read-time insights (Django test client, in process)", "",
              "| request | median | slowest | × baseline | SQL statements |", "|---|---|---|---|---|"]  # fmt: skip
    for label, median, slowest, statements in read_rows:
        lines.append(f"| `{label}` | {median:.1f} ms | {slowest:.1f} ms | {median / base_ms:.1f}× | {statements} |")
    Path(args.report).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"Wrote {args.report}")


if __name__ == "__main__":
    main()
