"""The public read path through a real HTTP stack: the project's jobs API (A) against a bare Django view (B, the
ceiling) and a plain DRF job board (C, the reference), each served by gunicorn and loaded by wrk.

- A: `GET /api/v1/jobs/` at its default page size (20) and `GET /api/v1/jobs/{id}/`, served by config.wsgi with
  the project's settings.
- B: benchmarks/reference_board/bare.py: the same page from one hand-written `.values()` query as JsonResponse.
- C: benchmarks/reference_board/drf.py: ModelSerializer (every field, company nested), PageNumberPagination.
B and C run from a second gunicorn (settings reference_board.settings), on the same database and middleware.

Endpoints: the list's first page (the 20 newest visible postings, `-published_at, -id`); the page 90% down the
feed (A: the cursor of the row just before it, base64url JSON as config.pagination encodes it, built with SQL;
B: the same keyset bound; C: `?page=`), so all three return the same 20 rows; and detail, wrk's Lua script cycling
a fixed set of ids spread over the id range. Every (endpoint, variant) runs `wrk -t2 -c4 --latency` for
`--duration` seconds in the order A B C A B C …, for `--rounds` rounds, so machine noise hits all alike. Reported:
medians over the rounds of req/s, p50 and p99, and the ratios the project must reach (list A at least 70% of B
and 5x C, detail A at least 3x C), taken round by round. Before the load every URL runs once in process (Django's
test client) to count its SQL statements and to check that the variants return the same postings, and every
statement A runs for list page 1, the deep page and detail is EXPLAINed (ANALYZE, BUFFERS).

    .venv/bin/python benchmarks/api_serving.py \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_serving --postings 100000 \\
        [--duration 10] [--rounds 5] [--with-publishes 50] [--report benchmarks/results/api_serving.md]

A database that is missing, or holds a different number of generated postings, is recreated and filled
(generate_postings.py) and its market ranges rebuilt (`manage.py rebuild_market_ranges`); the posting and company
tables are vacuumed and analysed before every run. `--with-publishes RATE` repeats the rounds while this process
publishes postings at RATE per second through jobs.services.posting_approve, with a real Celery worker on Redis
(freshness.py's), and reports both. wrk is installed with apt-get when missing.
"""

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from http_load import GUNICORN_WORKERS, WRK_ARGS, WRK_TIMEOUT, Server, ensure_wrk, machine, run_wrk

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"  # on sys.path already: the script's directory (http_load, reference_board, …)
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jobboard_bench_serving"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
ALLOWED_HOSTS = "127.0.0.1,localhost,testserver"
PAGE_SIZE = 20
DEEP_FRACTION = 0.9
DETAIL_IDS = 50
WARM_UP_SECONDS = 2

VARIANTS = ("A", "B", "C")
VARIANT_NAMES = {"A": "project", "B": "bare view", "C": "plain DRF"}
ENDPOINTS = ("list, page 1", "list, 90% deep", "detail")
TARGETS = [  # (endpoint, numerator, denominator, minimum)
    ("list, page 1", "A", "B", 0.70),
    ("list, page 1", "A", "C", 5.0),
    ("list, 90% deep", "A", "B", 0.70),
    ("list, 90% deep", "A", "C", 5.0),
    ("detail", "A", "C", 3.0),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--postings", type=int, default=100_000, help="generated postings the database must hold")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint, variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--with-publishes", type=float, metavar="RATE", help="also measure under RATE publishes/s")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="the servers' broker, and the worker's")
    parser.add_argument("--report", default=str(BENCHMARKS / "results" / "api_serving.md"))
    return parser.parse_args(argv)


# --- Tools and the database -------------------------------------------------------------------------------------


def generated_postings(database_url: str) -> int | None:
    """Postings generate_postings wrote (no author: those the services make have one), or None without the table."""
    import psycopg

    try:
        with psycopg.connect(database_url) as conn:
            return conn.execute("SELECT count(*) FROM jobs_jobposting WHERE created_by_id IS NULL").fetchone()[0]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None


def setup_django(args) -> None:
    os.environ |= {
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "reference_board.settings",
        "DJANGO_DEBUG": "0",
        "API_THROTTLING": "off",  # the read path alone (config.throttling adds a cache round trip)
        "DJANGO_ENV": "development",
        "DJANGO_ALLOWED_HOSTS": ALLOWED_HOSTS,
    }
    os.environ.pop("CELERY_BROKER_URL", None)
    if args.with_publishes:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def prepare_database(args) -> None:
    """Recreate and fill the database when it does not hold `--postings` generated postings; then set up Django."""
    from generate_postings import generate, recreate_database

    found = generated_postings(args.database_url)
    fill = found != args.postings
    if fill:
        held = "no postings table" if found is None else f"{found:,} generated postings"
        print(f"the database holds {held}, not {args.postings:,}: recreating it")
        recreate_database(args.database_url)
    setup_django(args)
    from django.db import connection

    from insights.models import MarketRange

    if fill:
        generate(args.postings, max(args.postings // 50, 100), 7)
    if fill or not MarketRange.objects.exists():
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "rebuild_market_ranges"], env=env, check=True)
    # Every run starts from tidy tables: earlier runs with publishes leave dead rows, and autovacuum may be off.
    with connection.cursor() as cursor:
        for table in ("jobs_jobposting", "jobs_company", "insights_marketrange"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- What is requested ------------------------------------------------------------------------------------------


@dataclass
class Workload:
    visible: int
    deep_offset: int  # rows before the deep page
    paths: dict  # (endpoint, variant) -> [path, …]


def feed_cursor(published_at: datetime, posting_id: int) -> str:
    """A forward cursor after this row, as config.pagination encodes one."""
    raw = json.dumps({"v": [{"t": published_at.isoformat()}, posting_id], "b": False}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def spread_ids(visible) -> list[int]:
    """DETAIL_IDS visible ids, the first at or above evenly spaced points of the id range."""
    from django.db.models import Max, Min

    bounds = visible.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    ids = []
    for step in range(DETAIL_IDS):
        target = low + (high - low) * step // (DETAIL_IDS - 1)
        found = visible.filter(id__gte=target).order_by("id").values_list("id", flat=True).first()
        if found not in ids:
            ids.append(found)
    return ids


def build_workload() -> Workload:
    from django.utils import timezone
    from reference_board.bare import FEED_ORDER, visible_postings

    visible = visible_postings(timezone.now())
    count = visible.count()
    deep_offset = max(round(count * DEEP_FRACTION / PAGE_SIZE), 1) * PAGE_SIZE
    published_at, last_id = visible.order_by(*FEED_ORDER).values_list("published_at", "id")[deep_offset - 1]
    bound = urlencode({"published_before": published_at.isoformat(), "id_before": last_id})
    ids = spread_ids(visible)
    paths = {
        ("list, page 1", "A"): ["/api/v1/jobs/"],
        ("list, page 1", "B"): ["/bench/bare/jobs/"],
        ("list, page 1", "C"): ["/bench/drf/jobs/"],
        ("list, 90% deep", "A"): [f"/api/v1/jobs/?cursor={feed_cursor(published_at, last_id)}"],
        ("list, 90% deep", "B"): [f"/bench/bare/jobs/?{bound}"],
        ("list, 90% deep", "C"): [f"/bench/drf/jobs/?page={deep_offset // PAGE_SIZE + 1}"],
        ("detail", "A"): [f"/api/v1/jobs/{i}/" for i in ids],
        ("detail", "B"): [f"/bench/bare/jobs/{i}/" for i in ids],
        ("detail", "C"): [f"/bench/drf/jobs/{i}/" for i in ids],
    }
    return Workload(visible=count, deep_offset=deep_offset, paths=paths)


# --- In process: statements, same rows, plans -------------------------------------------------------------------


def shown_ids(response) -> list[int]:
    body = response.json()
    return [row["id"] for row in body["results"]] if "results" in body else [body["id"]]


def get_counted(client, path: str):
    """(response, captured statements) of one request, after a first request that warms any per-process cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response, queries.captured_queries


def inspect_in_process(workload: Workload) -> tuple[dict, dict]:
    """Statements per request for every (endpoint, variant), and A's statements per endpoint. Stops when the
    variants do not return the same postings: their figures would not compare like with like."""
    from django.test import Client

    client = Client()
    counts, statements = {}, {}
    for endpoint in ENDPOINTS:
        shown = {}
        for variant in VARIANTS:
            paths = workload.paths[endpoint, variant]
            response, queries = get_counted(client, paths[0])
            counts[endpoint, variant] = len(queries)
            if variant == "A":
                statements[endpoint] = (paths[0], queries)
            shown[variant] = shown_ids(response) if endpoint != "detail" else detail_ids(client, paths)
        if len({tuple(ids) for ids in shown.values()}) != 1:
            raise SystemExit(f"{endpoint}: the variants return different postings: {shown}")
    return counts, statements


def detail_ids(client, paths: list[str]) -> list[int]:
    ids = []
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        ids += shown_ids(response)
    return ids


@dataclass
class Plan:
    sql: str
    seconds_in_request: float
    text: str

    @property
    def scans(self) -> list[str]:
        nodes = (line.strip().removeprefix("->").strip().split("  (")[0] for line in self.text.splitlines())
        return [node for node in nodes if " Scan" in node]

    @property
    def execution_ms(self) -> float:
        line = next(line for line in self.text.splitlines() if line.startswith("Execution Time:"))
        return float(line.split()[2])


def explain(queries: list[dict]) -> list[Plan]:
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            text = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(Plan(sql=query["sql"], seconds_in_request=float(query["time"]), text=text))
    return plans


# --- Serving and loading ----------------------------------------------------------------------------------------


def serve(settings_module: str, args, ready_path: str) -> Server:
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": args.database_url,
        # A broker, as in production: without one the web process would run the periodic tasks itself
        # (config.embedded). A GET enqueues nothing, so no worker is needed for the reads.
        "REDIS_URL": args.redis_url,
        "DJANGO_DEBUG": "0",
        "API_THROTTLING": "off",  # the read path alone (config.throttling adds a cache round trip)
        "DJANGO_ENV": "development",
        "DJANGO_ALLOWED_HOSTS": ALLOWED_HOSTS,
    }
    log = Path(tempfile.gettempdir()) / f"api_serving_{settings_module}.log"
    return Server(env, ready_path=ready_path, log=log)


def run_rounds(args, servers: dict, workload: Workload, label: str) -> dict:
    """(endpoint, variant) -> one WrkResult per round, each endpoint's variants loaded one after another."""
    for endpoint in ENDPOINTS:
        for variant in VARIANTS:
            run_wrk(servers[variant].url, workload.paths[endpoint, variant], WARM_UP_SECONDS)
    results = {key: [] for key in workload.paths}
    for number in range(1, args.rounds + 1):
        for endpoint in ENDPOINTS:
            for variant in VARIANTS:
                result = run_wrk(servers[variant].url, workload.paths[endpoint, variant], args.duration)
                results[endpoint, variant].append(result)
                print(
                    f"{label} round {number}: {endpoint:15} {variant} {result.rate:8.1f} req/s  "
                    f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}",
                    flush=True,
                )
    return results


# --- Publishes under the read load ------------------------------------------------------------------------------


class Publisher(threading.Thread):
    """Publishes prepared pending postings through the service at a fixed rate until stopped or out of postings."""

    def __init__(self, pending: list, rate: float, moderator):
        super().__init__(daemon=True)
        self.pending, self.rate, self.moderator = pending, rate, moderator
        self.stopping = threading.Event()
        self.published = 0
        self.seconds = 0.0

    def run(self):
        from django.db import connection

        from jobs.services import posting_approve

        started = time.monotonic()
        for index, posting in enumerate(self.pending):
            if self.stopping.wait(max(0.0, started + index / self.rate - time.monotonic())):
                break
            posting_approve(posting=posting, moderator=self.moderator)
            self.published += 1
        self.seconds = time.monotonic() - started
        connection.close()


def purge_queues() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in ("recompute", "celery"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue not declared yet has nothing to purge
                pass


def rounds_under_publishes(args, servers: dict, workload: Workload) -> tuple[dict, dict]:
    from django.contrib.auth import get_user_model
    from freshness import Worker, prepare_pending

    from jobs.models import JobPosting

    runs = len(ENDPOINTS) * len(VARIANTS)
    loaded_seconds = runs * (WARM_UP_SECONDS + args.rounds * (args.duration + 1))
    wanted = int(args.with_publishes * loaded_seconds * 1.2) + 10
    count = min(wanted, JobPosting.objects.published().count())
    print(f"preparing {count:,} pending postings to publish at {args.with_publishes}/s …", flush=True)
    pending = prepare_pending(count)
    moderator, _ = get_user_model().objects.get_or_create(username="serving-moderator", defaults={"is_staff": True})
    purge_queues()
    # The worker inherits this environment: it runs the project's settings (this process is already set up).
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    worker = Worker(
        SimpleNamespace(database_url=args.database_url, redis_url=args.redis_url, concurrency=1),
        Path(tempfile.gettempdir()) / "api_serving_worker.log",
    )
    publisher = Publisher(pending, args.with_publishes, moderator)
    publisher.start()
    try:
        results = run_rounds(args, servers, workload, f"publishing {args.with_publishes}/s,")
    finally:
        publisher.stopping.set()
        publisher.join()
        worker.stop()
    ran_out = publisher.published == len(pending)
    return results, {"published": publisher.published, "seconds": publisher.seconds, "ran_out": ran_out}


# --- Report -----------------------------------------------------------------------------------------------------


def ratios(results: dict, endpoint: str, top: str, bottom: str) -> list[float]:
    """Round by round, since each round's variants ran back to back under the same conditions."""
    pairs = zip(results[endpoint, top], results[endpoint, bottom], strict=True)
    return [high.rate / low.rate for high, low in pairs]


def figures_table(results: dict) -> list[str]:
    lines = [
        "| endpoint | variant | req/s, median | req/s, range over rounds | p50 | p99 | bytes per response | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (endpoint, variant), runs in results.items():
        rates = [run.rate for run in runs]
        p50 = statistics.median(run.p50_ms for run in runs)
        p99 = statistics.median(run.p99_ms for run in runs)
        size = sum(run.bytes for run in runs) / max(sum(run.requests for run in runs), 1)
        lines.append(
            f"| {endpoint} | {variant} ({VARIANT_NAMES[variant]}) | {statistics.median(rates):,.1f} | "
            f"{min(rates):,.1f}–{max(rates):,.1f} | {p50:,.1f} ms | {p99:,.1f} ms | {size:,.0f} | "
            f"{sum(run.errors for run in runs)} |"
        )
    return lines


def targets_table(results: dict) -> list[str]:
    lines = [
        "| endpoint | ratio of req/s | target | median over rounds | worst round | met |",
        "|---|---|---|---|---|---|",
    ]
    for endpoint, top, bottom, minimum in TARGETS:
        values = ratios(results, endpoint, top, bottom)
        median = statistics.median(values)
        lines.append(
            f"| {endpoint} | {top} / {bottom} | ≥ {minimum:g} | {median:.2f} | {min(values):.2f} | "
            f"{'yes' if median >= minimum else '**no**'} |"
        )
    return lines


def cell(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return "`" + flat.replace("`", "'").replace("|", "\\|") + "`"


def slowest(plans: list[Plan]) -> str:
    plan = max(plans, key=lambda plan: plan.execution_ms)
    return f"#{plans.index(plan) + 1}, {plan.execution_ms:.1f} ms: {cell(plan.sql, 70)}"


def plans_section(endpoint: str, path: str, plans: list[Plan]) -> list[str]:
    lines = [
        f"### {endpoint}: `{path}`",
        "",
        "| # | statement | in the request (Django's timer, whole ms) | EXPLAIN ANALYZE execution | scans |",
        "|---|---|---|---|---|",
    ]
    for number, plan in enumerate(plans, 1):
        scans = "; ".join(f"**{scan}**" if "Seq Scan" in scan else scan for scan in plan.scans)
        lines.append(
            f"| {number} | {cell(plan.sql)} | {plan.seconds_in_request * 1000:.1f} ms | "
            f"{plan.execution_ms:.1f} ms | {scans} |"
        )
    lines += ["", "<details><summary>Plans</summary>", ""]
    for number, plan in enumerate(plans, 1):
        lines += [f"{number}. `{' '.join(plan.sql.split())}`", "", "```", plan.text, "```", ""]
    return [*lines, "</details>", ""]


def write_report(args, context: dict) -> None:
    workload, counts, statements = context["workload"], context["counts"], context["statements"]
    tools = context["machine"]
    command = "python benchmarks/api_serving.py " + " ".join(context["argv"])
    lines = [
        "# Public read path through gunicorn: the project (A), a bare view (B), a plain DRF board (C)",
        "",
        f"Command: `{command}` on {context['started']:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Machine: {tools['nproc']} cores (`nproc`), {tools['cpu']}, {tools['os']}; PostgreSQL "
        f"{context['postgres']}, the load generator and both servers on the same cores. {tools['gunicorn']}, "
        f"{GUNICORN_WORKERS} sync workers per server, DJANGO_DEBUG=0, REDIS_URL set so that no web process runs "
        "the periodic tasks (A: config.settings; B and C: reference_board.settings). "
        f"{tools['wrk']}: `wrk {' '.join(WRK_ARGS)} --timeout {WRK_TIMEOUT} -d{args.duration}s`, "
        f"{args.rounds} round{'s' if args.rounds != 1 else ''}, each endpoint's variants back to back (A B C), "
        f"after a {WARM_UP_SECONDS} s warm-up of each.",
        "",
        f"Database: {context['generated']:,} generated postings, {workload.visible:,} visible, "
        f"{context['ranges']:,} market ranges; tables vacuumed and analysed before the run.",
        "",
        f"Pages: page 1 is the {PAGE_SIZE} newest visible postings; the 90% page is rows "
        f"{workload.deep_offset + 1:,}–{workload.deep_offset + PAGE_SIZE:,}: A `?cursor=` of row "
        f"{workload.deep_offset:,} (built with SQL), B the same keyset bound (`?published_before=&id_before=`), "
        f"C `?page={workload.deep_offset // PAGE_SIZE + 1:,}` (COUNT and OFFSET). Checked in process: the three "
        f"return the same postings on both pages and for every id. Detail: {len(workload.paths['detail', 'A'])} "
        "ids spread over the id range, cycled by wrk's Lua script.",
        "",
        "## Throughput and latency",
        "",
        *figures_table(context["results"]),
        "",
        "## Targets",
        "",
        *targets_table(context["results"]),
        "",
    ]
    if "publishing" in context:
        done = context["publishing"]
        rate = done["published"] / done["seconds"] if done["seconds"] else 0.0
        lines += [
            f"## Under publishes: {args.with_publishes:g}/s asked, {done['published']:,} published in "
            f"{done['seconds']:.0f} s ({rate:.1f}/s){' (ran out of prepared postings)' if done['ran_out'] else ''}",
            "",
            "Published through `jobs.services.posting_approve` from this process, with one Celery worker process on "
            "Redis (freshness.py's, with beat) draining the marks, all on the same cores.",
            "",
            *figures_table(context["results_publishing"]),
            "",
            *targets_table(context["results_publishing"]),
            "",
        ]
    lines += [
        "## SQL statements per request (in process, Django's test client, second request)",
        "",
        "| endpoint | A | B | C | A's slowest statement (EXPLAIN ANALYZE execution) |",
        "|---|---|---|---|---|",
        *(
            f"| {e} | {counts[e, 'A']} | {counts[e, 'B']} | {counts[e, 'C']} | {slowest(statements[e][1])} |"
            for e in ENDPOINTS
        ),
        "",
        "## A's statements, EXPLAIN (ANALYZE, BUFFERS)",
        "",
        "Seq scans in bold.",
        "",
    ]
    for endpoint, (path, plans) in statements.items():
        lines += plans_section(endpoint, path, plans)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.report}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    context = {"argv": argv, "started": datetime.now(UTC)}
    ensure_wrk()
    context["machine"] = machine()
    prepare_database(args)
    from django.db import connection

    from insights.models import MarketRange

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        context["postgres"] = cursor.fetchone()[0]
    context["generated"] = generated_postings(args.database_url)
    context["ranges"] = MarketRange.objects.count()
    workload = build_workload()
    counts, captured = inspect_in_process(workload)
    context |= {"workload": workload, "counts": counts}
    context["statements"] = {endpoint: (path, explain(queries)) for endpoint, (path, queries) in captured.items()}
    connection.close()

    project = serve("config.settings", args, "/api/v1/jobs/")
    servers = {"A": project}
    try:
        reference = serve("reference_board.settings", args, "/bench/bare/jobs/")
        servers |= {"B": reference, "C": reference}
        context["results"] = run_rounds(args, servers, workload, "reads only,")
        if args.with_publishes:
            context["results_publishing"], context["publishing"] = rounds_under_publishes(args, servers, workload)
    finally:
        for server in set(servers.values()):
            server.stop()
    write_report(args, context)


if __name__ == "__main__":
    main()
