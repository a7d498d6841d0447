"""Read latency of the public API on a large database: the jobs list (each posting with its salary context,
read from the stored releases of the ranges it shows) and market-range listings, through the real
URLconf and middleware (Django's test client, in process: no HTTP server or network in the figure).

Each URL is requested once to warm up, then `--repeat` times; reported: median and slowest time, and the
SQL statements of one request. The market-range listing of one segment's key is the baseline the others
are compared with (a ratio, since machines are noisy).

    .venv/bin/python benchmarks/api_latency.py --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m

Writes benchmarks/results/api_latency.md.
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

BASELINE = "/api/v1/market-ranges/?role=ml_engineer&level=senior&country=US&size=large&window=all&page_size=1"
URLS = [
    BASELINE,
    "/api/v1/market-ranges/?role=ml_engineer&level=senior&page_size=50",
    "/api/v1/market-ranges/?role=ml_engineer&level=senior&country=US&size=startup&page_size=50",
    "/api/v1/market-ranges/?role=data_scientist&level=mid&region=europe&sector=finance&page_size=50",
    "/api/v1/jobs/?page_size=20",
    "/api/v1/jobs/?page_size=100&country=DE",
    "/api/v1/jobs/?page_size=100&size=startup&role=ml_engineer",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jobboard_bench_1m")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "results" / "api_latency.md"))
    args = parser.parse_args(argv)
    os.environ |= {"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jobs.models import JobPosting

    client, rows = Client(), []
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
        rows.append((url, statistics.median(times), max(times), len(queries)))
        print(f"{statistics.median(times) * 1000:8.1f} ms  {len(queries):3d} statements  {url}", flush=True)
    baseline = rows[0][1]
    visible = JobPosting.objects.visible().count()
    command = "python benchmarks/api_latency.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        "# Public API read latency",
        "",
        f"Command: `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {visible:,} visible postings; "
        f"{args.repeat} requests per URL after one warm-up, in process (test client), 2-core machine.",
        "",
        "| URL | median | slowest | SQL statements | median / baseline |",
        "|---|---|---|---|---|",
        *(
            f"| `{url}` | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {statements} | {median / baseline:.1f}× |"
            for url, median, slowest, statements in rows
        ),
        "",
        "Baseline: the first row, one stored range by its filters.",
    ]
    Path(args.report).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.report}")


if __name__ == "__main__":
    main()
