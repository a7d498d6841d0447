"""The admin's posting list and moderation queue at scale, through gunicorn + wrk, against the stock Django
admin list of the same table (benchmarks/reference_board/stock_admin.py) in the same run, alternating.

    .venv/bin/python benchmarks/generate_postings.py --recreate --postings 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobboard_bench_1m .venv/bin/python manage.py rebuild_market_ranges
    .venv/bin/python benchmarks/admin_list.py --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m

Setup (idempotent): a superuser signed in through a stored session, and 300 postings put back in review (the
generator publishes every posting) so the queue has a page to show. Each page is also loaded once in process
to count its queries and EXPLAIN them (a sequential scan of the postings table is reported).
Writes benchmarks/results/admin_list.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

SETTLE_SECONDS = 12
PAGES = {  # name: (A: the project's admin, B: the stock admin list of the same rows)
    "list, first page": ("/admin/jobs/jobposting/", "/bench/stock-admin/jobs/jobposting/"),
    "list, published senior": (
        "/admin/jobs/jobposting/?status__exact=published&level__exact=senior",
        "/bench/stock-admin/jobs/jobposting/?status__exact=published&level__exact=senior",
    ),
    "list, one country": (
        "/admin/jobs/jobposting/?country=DE",
        "/bench/stock-admin/jobs/jobposting/?country__exact=DE",
    ),
    "list, title search": ("/admin/jobs/jobposting/?q=staff", "/bench/stock-admin/jobs/jobposting/?q=staff"),
    "moderation queue": (
        "/admin/jobs/pendingposting/",
        "/bench/stock-admin/jobs/jobposting/?status__exact=pending_review&o=-11",
    ),
}


def setup() -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jobs.models import JobPosting, PostingStatus

    admin = get_user_model().objects.filter(username="bench-admin").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench-admin", "bench@example.com", "bench-password-1")
    if not JobPosting.objects.filter(status=PostingStatus.PENDING_REVIEW).exists():
        ids = list(JobPosting.objects.order_by("id").values_list("id", flat=True)[:300000:1000])
        JobPosting.objects.filter(pk__in=ids).update(
            status=PostingStatus.PENDING_REVIEW, submitted_at=timezone.now(), published_at=None
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE jobs_jobposting")
    client = Client()
    client.force_login(admin)
    return f"sessionid={client.cookies['sessionid'].value}", client


def in_process(client) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = {}
    for name, (a, b) in PAGES.items():
        for variant, path in (("A", a), ("B", b)):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            scans = []
            for query in queries.captured_queries:
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN " + query["sql"])
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    if "Seq Scan on jobs_jobposting" in plan:
                        scans.append(query["sql"][:160])
            found[f"{name} {variant}"] = {"queries": len(queries), "posting_seq_scans": scans}
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", nargs="*", help="Only these pages (names as in PAGES).")
    args = parser.parse_args()
    if args.pages:
        for name in set(PAGES) - set(args.pages):
            del PAGES[name]
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="reference_board.settings",
                      DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver")  # fmt: skip
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from http_load import Server, ensure_wrk, machine, run_wrk

    ensure_wrk()
    cookie, client = setup()
    plans = in_process(client)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reference_board.settings", "DJANGO_DEBUG": "0",
           "DJANGO_ENV": "development", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}  # fmt: skip
    server = Server(env, ready_path="/admin/login/", log=Path("/tmp/admin_list_gunicorn.log"))
    results: dict = {name: {"A": [], "B": []} for name in PAGES}
    try:
        for round_number in range(args.rounds):
            for name, (a, b) in PAGES.items():
                for variant, path in (("A", a), ("B", b)) if round_number % 2 == 0 else (("B", b), ("A", a)):
                    result = run_wrk(server.url, [path], args.seconds, cookie=cookie)
                    # wrk stops sending, but the workers finish the requests it left queued (B's take seconds):
                    # let them, so the next run starts on idle workers.
                    time.sleep(SETTLE_SECONDS)
                    results[name][variant].append(
                        {"rate": result.rate, "p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "errors": result.errors}
                    )
                    print(f"round {round_number + 1} {name:24} {variant}: {result.rate:7.1f} req/s, "
                          f"p50 {result.p50_ms:7.1f} ms, p99 {result.p99_ms:7.1f} ms, errors {result.errors}")  # fmt: skip
    finally:
        server.stop()
    summary = {}
    for name, by_variant in results.items():
        a = statistics.median(r["rate"] for r in by_variant["A"])
        b = statistics.median(r["rate"] for r in by_variant["B"])
        summary[name] = {
            "A_rate": round(a, 1), "B_rate": round(b, 1), "A_over_B": round(a / b, 2),
            "A_p50_ms": round(statistics.median(r["p50_ms"] for r in by_variant["A"]), 1),
            "A_p99_ms": round(max(r["p99_ms"] for r in by_variant["A"]), 1),
            "B_p99_ms": round(max(r["p99_ms"] for r in by_variant["B"]), 1),
            "errors": sum(r["errors"] for v in by_variant.values() for r in v),
            "A_queries": plans[f"{name} A"]["queries"], "B_queries": plans[f"{name} B"]["queries"],
            "A_posting_seq_scans": len(plans[f"{name} A"]["posting_seq_scans"]),
            "B_posting_seq_scans": len(plans[f"{name} B"]["posting_seq_scans"]),
        }  # fmt: skip
        print(name, summary[name])
    out = ROOT / "benchmarks" / "results" / "admin_list.json"
    out.write_text(json.dumps({"machine": machine(), "summary": summary, "plans": plans, "runs": results}, indent=2))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
