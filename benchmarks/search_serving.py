"""Job search through a real HTTP stack: five searches of the project's jobs API (A) against a bare Django view
returning the same page from one hand-written query (B), and the project's HTML search page (H) for the same
searches, each served by gunicorn (2 sync workers) and loaded by wrk (2 threads, 4 connections).

The five searches: no filter; role + level + country; pay at least 120,000 EUR a year (A and H convert at
today's rate, B is given the same annual USD floor); full text "pytorch" (best match first); full text with
filters and highest pay first. Before the load every URL runs once in process to count its statements and to
check that A and B return the same postings, and every statement A runs is EXPLAINed (ANALYZE, BUFFERS): each
plan must use an index. Then every (search, variant) runs `wrk --duration` seconds in the order A B H A B H …,
for `--rounds` rounds. Reported: medians over rounds of req/s, p50 and p99; A/B (target ≥ 0.70) and the HTML
page's time against the API's (target ≤ 1.5×), taken round by round.

    .venv/bin/python benchmarks/search_serving.py \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m --postings 1000000 \\
        [--duration 10] [--rounds 3] [--report benchmarks/results/search_serving_1m.md]

A database that does not hold `--postings` generated postings is recreated and filled (generate_postings.py,
search vectors included) and its market ranges rebuilt, as benchmarks/api_serving.py does.
"""

import argparse
import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from api_serving import explain, generated_postings, plans_section, prepare_database, serve, slowest
from http_load import ensure_wrk, machine, run_wrk

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jobboard_bench_1m"
VARIANTS = ("A", "B", "H")
VARIANT_NAMES = {"A": "project API", "B": "bare view", "H": "project HTML page"}
PAY_FLOOR = {"pay_min": "120000", "currency": "EUR", "period": "YEAR"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--uncached", action="store_true",
        help="serve the project with RESPONSE_CACHE_SECONDS=0: every request runs its search and renders its page "
        "(otherwise a repeated URL is served from the page kept under the data's validator)",
    )  # fmt: skip
    parser.add_argument("--report", default=str(BENCHMARKS / "results" / "search_serving_1m.md"))
    args = parser.parse_args(argv)
    args.with_publishes = None  # api_serving's database preparation reads it
    return args


def searches() -> dict[str, tuple[dict, dict]]:
    """name → (the project's query, the bare view's query)."""
    from jobs.filters import pay_floor_of

    usd = str(pay_floor_of(PAY_FLOOR, PAY_FLOOR["pay_min"])["annual_usd"])
    return {
        "no filter": ({}, {}),
        "role + level + country": ({"role": "ml_engineer", "level": "senior", "country": "US"},
                                   {"role": "ml_engineer", "level": "senior", "country": "US"}),
        "pay ≥ 120,000 EUR a year": (dict(PAY_FLOOR), {"min_annual_usd": usd}),
        'full text "pytorch"': ({"q": "pytorch"}, {"q": "pytorch", "order": "rank"}),
        "full text + filters + pay order": (
            {"q": "pytorch", "level": "senior", "country": "US", "ordering": "pay"},
            {"q": "pytorch", "level": "senior", "country": "US", "order": "pay"},
        ),
    }  # fmt: skip


def paths_of(queries) -> dict:
    paths = {}
    for name, (project, bare) in queries.items():
        suffix = f"?{urlencode(project)}" if project else ""
        paths[name, "A"] = f"/api/v1/jobs/{suffix}"
        paths[name, "B"] = f"/bench/bare/search/{'?' + urlencode(bare) if bare else ''}"
        paths[name, "H"] = f"/jobs/{suffix}"
    return paths


def inspect(paths: dict, names) -> tuple[dict, dict, dict]:
    """Statements per request, A's statements per search (for EXPLAIN), and the ids each search returns."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.RESPONSE_CACHE_SECONDS = 0  # count and EXPLAIN the statements a page is built with, not a kept copy
    client = Client()
    counts, statements, shown = {}, {}, {}
    for name in names:
        ids = {}
        for variant in VARIANTS:
            path = paths[name, variant]
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
            counts[name, variant] = len(queries)
            if variant == "A":
                statements[name] = (path, queries.captured_queries)
            if variant != "H":
                ids[variant] = [row["id"] for row in response.json()["results"]]
        if ids["A"] != ids["B"]:
            raise SystemExit(f"{name}: A and B return different postings: {ids}")
        shown[name] = len(ids["A"])
    return counts, statements, shown


def run_rounds(args, servers, paths, names) -> dict:
    for key, path in paths.items():
        run_wrk(servers[key[1]].url, [path], 2)
    results = {key: [] for key in paths}
    for number in range(1, args.rounds + 1):
        for name in names:
            for variant in VARIANTS:
                result = run_wrk(servers[variant].url, [paths[name, variant]], args.duration)
                results[name, variant].append(result)
                print(f"round {number}: {name:32} {variant} {result.rate:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
                      f"p99 {result.p99_ms:7.1f} ms  errors {result.errors}", flush=True)  # fmt: skip
    return results


def report(args, context) -> None:
    results, names, counts = context["results"], context["names"], context["counts"]
    lines = [
        "# Job search through gunicorn: the project's API (A), a bare view (B) and the HTML page (H)",
        "",
        f"Command: `python benchmarks/search_serving.py {' '.join(context['argv'])}` on "
        f"{context['started']:%Y-%m-%d %H:%M} UTC. {context['machine']['cpu']}; PostgreSQL {context['postgres']}; "
        f"{context['generated']:,} generated postings. gunicorn 2 sync workers per variant, "
        f"`wrk -t2 -c4 --latency`, {args.duration} s per search and variant, {args.rounds} rounds, A B H alternating."
        + (
            " **Uncached**: the project keeps no rendered page (RESPONSE_CACHE_SECONDS=0), so every request runs "
            "its search and builds its page, as a stream of different searches would."
            if args.uncached
            else " A repeated URL is served from the page kept under the data's validator (one statement), as in "
            "production; --uncached measures building each page."
        ),
        "Statements and plans below are those of building the page (counted with nothing kept).",
        "",
        "| search | variant | req/s, median | range | p50 | p99 | statements | rows | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        for variant in VARIANTS:
            runs = results[name, variant]
            rates = [run.rate for run in runs]
            lines.append(
                f"| {name} | {variant} ({VARIANT_NAMES[variant]}) | {statistics.median(rates):,.1f} | "
                f"{min(rates):,.1f}–{max(rates):,.1f} | {statistics.median(r.p50_ms for r in runs):.1f} ms | "
                f"{statistics.median(r.p99_ms for r in runs):.1f} ms | {counts[name, variant]} | "
                f"{context['shown'][name]} | {sum(r.errors for r in runs)} |"
            )
    lines += ["", "| search | A / B req/s (median of rounds) | worst round | ≥ 0.70 | A p99 | < 100 ms | "
              "H / A time (median) | ≤ 1.5 | plans: sequential scans |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name in names:
        ab = [a.rate / b.rate for a, b in zip(results[name, "A"], results[name, "B"], strict=True)]
        ha = [a.rate / h.rate for a, h in zip(results[name, "A"], results[name, "H"], strict=True)]
        p99 = statistics.median(r.p99_ms for r in results[name, "A"])
        plans = context["plans"][name][1]
        seq = sum(1 for plan in plans for scan in plan.scans if "Seq Scan" in scan)
        lines.append(
            f"| {name} | {statistics.median(ab):.2f} | {min(ab):.2f} | {'yes' if statistics.median(ab) >= 0.7 else '**no**'} "
            f"| {p99:.1f} ms | {'yes' if p99 < 100 else '**no**'} | {statistics.median(ha):.2f} | "
            f"{'yes' if statistics.median(ha) <= 1.5 else '**no**'} | {seq} (slowest {slowest(plans)}) |"
        )
    lines += ["", "## Plans of every statement A runs", ""]
    for name in names:
        path, plans = context["plans"][name]
        lines += plans_section(name, path, plans)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:40]))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    context = {"argv": argv, "started": datetime.now(UTC)}
    ensure_wrk()
    context["machine"] = machine()
    prepare_database(args)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        context["postgres"] = cursor.fetchone()[0]
    context["generated"] = generated_postings(args.database_url)
    queries = searches()
    names = list(queries)
    paths = paths_of(queries)
    counts, statements, shown = inspect(paths, names)
    context |= {"names": names, "counts": counts, "shown": shown}
    context["plans"] = {name: (path, explain(found)) for name, (path, found) in statements.items()}
    connection.close()
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # no page kept by an earlier run may answer for this one
    if args.uncached:
        os.environ["RESPONSE_CACHE_SECONDS"] = "0"
    project = serve("config.settings", args, "/api/v1/jobs/")
    os.environ.pop("RESPONSE_CACHE_SECONDS", None)
    servers = {"A": project, "H": project}
    try:
        servers["B"] = serve("reference_board.settings", args, "/bench/bare/search/")
        context["results"] = run_rounds(args, servers, paths, names)
    finally:
        for server in set(servers.values()):
            server.stop()
    report(args, context)


if __name__ == "__main__":
    main()
