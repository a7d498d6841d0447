"""Check the market-range engine's numbers on the ai-jobs.net survey against an independent computation.

1. With --recreate, drop and create the database and run `manage.py migrate`.
2. Run `manage.py import_salaries --format aijobs CSV --release RELEASE` and `manage.py rebuild_market_ranges`,
   each in a subprocess with DATABASE_URL set and no broker (tasks run eagerly), and time them.
3. Read the imported survey records with plain SQL and put each into its segments with the membership rule
   written again here, not taken from insights.segments: role family × level × place (country, region,
   world) × size (the record's band, or any) × remote (any; remote-only as well when remote_ratio is 100),
   all-time window. numpy.percentile(method="linear") on float64 gives p10–p90, numpy the mean and count.
4. Compare with every publishable stored MarketRange of window `all` (sample size equal, every percentile and
   the mean within a cent of numpy's figure rounded half-up to cents), and check the reverse: every segment
   with at least MARKET_MIN_SAMPLE_SIZE points has a publishable stored range.

The one piece of the product used for step 3 is insights.regions.REGION_OF, the country → region table
(data, not engine code). Stored ranges are read through the MarketRange model, whose `published` decision is the
rule under test's own definition of what the public sees.

Usage (from the repository root):
    .venv/bin/python benchmarks/accuracy_aijobs.py --recreate [CSV] [--database-url URL] [--out PATH]
CSV defaults to ../shared/data/aijobs-salaries-2025-01-19.csv relative to the repository root. The exit
status is 1 when any segment disagrees.
"""

import argparse
import csv
import itertools
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import environ
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "aijobs-salaries-2025-01-19.csv"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jobboard_bench_accuracy"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "accuracy_aijobs.md"
BROKER_VARIABLES = ("REDIS_URL", "CELERY_BROKER_URL")  # either one switches tasks from eager to a real broker
PERCENTILES = {"p10": 10, "p25": 25, "p50": 50, "p75": 75, "p90": 90}
COMPARED_FIELDS = [*PERCENTILES, "mean"]
CENT = Decimal("0.01")
MISMATCHES_SHOWN = 20

# (role_family, level, scope, place, size_band, remote), as the MarketRange columns spell a segment:
# place is the country code, the region slug or "" for the world; size_band "" means any size.
SegmentId = tuple[str, str, str, str, str, bool]


@dataclass(frozen=True)
class Expected:
    n: int
    values: dict[str, float]  # numpy's unrounded p10–p90 and mean
    points: list[Decimal]  # the segment's salaries as stored, sorted: for the exact figure where the two disagree

    def exact(self, name: str) -> Decimal:
        """The figure in exact decimal arithmetic (no float): what both sides approximate."""
        with localcontext() as context:
            context.prec = 60
            if name == "mean":
                return sum(self.points, Decimal(0)) / self.n
            rank = Decimal(PERCENTILES[name]) / 100 * (self.n - 1)
            below = int(rank)
            if below + 1 == self.n:
                return self.points[below]
            return self.points[below] + (rank - below) * (self.points[below + 1] - self.points[below])


@dataclass(frozen=True)
class CentApart:
    key: str
    field: str
    stored: Decimal
    numpy: float
    exact: Decimal

    @property
    def closer(self) -> str:
        """Which side's rounding agrees with the exact figure rounded half-up."""
        if self.stored == half_up(self.exact):
            return "stored"
        return "numpy" if to_cents(self.numpy) == half_up(self.exact) else "neither"


@dataclass(frozen=True)
class Mismatch:
    key: str
    what: str
    stored: str
    expected: str


def child_environment(database_url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    for name in BROKER_VARIABLES:
        env.pop(name, None)
    return env


def run_manage(arguments: list[str], database_url: str) -> tuple[float, str]:
    """Run one manage.py command; its wall time (Django start-up included) and its output."""
    command = [sys.executable, "manage.py", *arguments]
    print(f"$ {shlex.join(['manage.py', *arguments])}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=child_environment(database_url), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    print(completed.stdout, end="", flush=True)
    if completed.returncode != 0:
        print(completed.stderr, end="", file=sys.stderr)
        sys.exit(f"manage.py {arguments[0]} failed with exit status {completed.returncode} after {seconds:.1f} s.")
    print(f"  ({seconds:.1f} s)", flush=True)
    return seconds, completed.stdout


def recreate_database(config: dict) -> None:
    if config["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(config["NAME"] + suffix).unlink(missing_ok=True)
        return
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit(f"--recreate supports PostgreSQL and SQLite, not {config['ENGINE']}.")
    import psycopg
    from psycopg import sql

    server = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None}
    if config.get("PASSWORD"):
        server["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        name = sql.Identifier(config["NAME"])
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    for name in BROKER_VARIABLES:
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def csv_row_count(path: Path) -> int:
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def read_records(cursor) -> list[tuple]:
    # The survey table as migrated (salaries.SalaryObservation); no ORM, no product query code.
    cursor.execute(
        "SELECT salary_usd, role_family, level, country, company_size, remote_ratio, work_year "
        "FROM salaries_salaryobservation"
    )
    return cursor.fetchall()


def segments_of(role: str, level: str, country: str, size: str, remote_ratio: int) -> list[SegmentId]:
    """Every all-time segment a survey record belongs to (surveys give no city, so no city scope)."""
    from insights.regions import REGION_OF

    places = [("country", country)]
    if country in REGION_OF:
        places.append(("region", REGION_OF[country]))
    places.append(("world", ""))
    sizes = [size, ""] if size else [""]
    remotes = [False, True] if remote_ratio == 100 else [False]
    return [
        (role, level, scope, place, size_band, remote)
        for (scope, place), size_band, remote in itertools.product(places, sizes, remotes)
    ]


def independent_statistics(records: list[tuple]) -> dict[SegmentId, Expected]:
    points: dict[SegmentId, list[Decimal]] = defaultdict(list)
    for pay, role, level, country, size, remote_ratio, _ in records:
        # PostgreSQL hands back a Decimal; SQLite a float (its NUMERIC affinity stores REAL), whose str() is
        # the stored two-decimal figure again.
        value = Decimal(str(pay))
        for segment in segments_of(role, level, country, size, int(remote_ratio)):
            points[segment].append(value)
    expected = {}
    for segment, values in points.items():
        array = np.asarray([float(value) for value in values], dtype=np.float64)
        cuts = np.percentile(array, list(PERCENTILES.values()), method="linear")
        figures = {name: float(cut) for name, cut in zip(PERCENTILES, cuts, strict=True)}
        figures["mean"] = float(array.mean())
        expected[segment] = Expected(n=int(array.size), values=figures, points=sorted(values))
    return expected


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: float) -> Decimal:
    """The float as it prints (shortest repr), rounded half-up to the cent."""
    return half_up(Decimal(repr(value)))


def display_key(segment: SegmentId) -> str:
    role, level, scope, place, size_band, remote = segment
    return ":".join([role, level, scope, place or "-", size_band or "any", "remote" if remote else "any", "all"])


def first_work_year_in_last_12_months(today: date) -> int:
    """A survey year counts as the 1 July inside it: the first year whose 1 July is within 365 days of today."""
    start = today - timedelta(days=365)
    return start.year if start <= date(start.year, 7, 1) else start.year + 1


@dataclass
class Comparison:
    compared: int = 0
    values_compared: int = 0
    values_exact: int = 0
    max_difference: Decimal = Decimal(0)
    max_difference_unrounded: float = 0.0
    reverse_checked: int = 0
    cent_apart: list[CentApart] = field(default_factory=list)
    stored_all: int = 0
    stored_publishable: int = 0
    stored_unpublishable_with_data: int = 0
    stored_empty: int = 0


def compare(expected: dict[SegmentId, Expected], stored_ranges, min_sample: int) -> tuple[Comparison, list[Mismatch]]:
    result, mismatches = Comparison(), []
    stored = {}
    for market_range in stored_ranges:
        segment = (
            market_range.role_family,
            market_range.level,
            market_range.scope,
            market_range.place,
            market_range.size_band,
            market_range.remote,
        )
        stored[segment] = market_range
        result.stored_all += 1
        if market_range.sample_size == 0:
            result.stored_empty += 1
        elif not market_range.published:
            result.stored_unpublishable_with_data += 1
    for segment, market_range in sorted(stored.items()):
        if not market_range.published:
            continue
        result.stored_publishable += 1
        result.compared += 1
        mine = expected.get(segment)
        if mine is None:
            mismatches.append(
                Mismatch(market_range.key, "segment has no records here", str(market_range.sample_size), "0")
            )
            continue
        if market_range.sample_size != mine.n:
            mismatches.append(Mismatch(market_range.key, "sample size", str(market_range.sample_size), str(mine.n)))
            continue
        for name in COMPARED_FIELDS:
            value = getattr(market_range, name)
            result.values_compared += 1
            if value is None:
                mismatches.append(Mismatch(market_range.key, name, "NULL", f"{to_cents(mine.values[name])}"))
                continue
            difference = abs(value - to_cents(mine.values[name]))
            result.values_exact += difference == 0
            if difference == CENT:
                result.cent_apart.append(CentApart(market_range.key, name, value, mine.values[name], mine.exact(name)))
            result.max_difference = max(result.max_difference, difference)
            result.max_difference_unrounded = max(
                result.max_difference_unrounded, abs(float(value) - mine.values[name])
            )
            if difference > CENT:
                mismatches.append(Mismatch(market_range.key, name, str(value), f"{to_cents(mine.values[name])}"))
    for segment, mine in sorted(expected.items()):
        if mine.n < min_sample:
            continue
        result.reverse_checked += 1
        market_range = stored.get(segment)
        if market_range is None:
            mismatches.append(Mismatch(display_key(segment), "no stored range", "—", f"n={mine.n}"))
        elif not market_range.published:
            mismatches.append(
                Mismatch(
                    market_range.key,
                    f"stored range not publishable ({market_range.withheld_reason})",
                    f"n={market_range.sample_size}",
                    f"n={mine.n}",
                )
            )
    return result, mismatches


def database_description(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def safe_url(config: dict, url: str) -> str:
    return url.replace(f":{config['PASSWORD']}@", ":***@") if config.get("PASSWORD") else url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV, help=f"default: {DEFAULT_CSV}")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default: {DEFAULT_DATABASE_URL}")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and create the database (SQLite: delete the file), then migrate"
    )
    parser.add_argument("--release", default="2025-01-19", help="the release the survey is imported as")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report (default: %(default)s)")
    args = parser.parse_args(argv)
    csv_path = args.csv.resolve()
    if not csv_path.is_file():
        sys.exit(
            f"ai-jobs salary file not found: {csv_path}\n"
            "Pass its path, or put the shared data folder at ../shared/data/ beside the repository."
        )
    config = environ.Env.db_url_config(args.database_url)
    load_at_start = os.getloadavg()

    timings: dict[str, float] = {}
    if args.recreate:
        started = time.perf_counter()
        recreate_database(config)
        timings["drop and create database"] = time.perf_counter() - started
        timings["manage.py migrate"], _ = run_manage(["migrate", "--noinput", "-v", "0"], args.database_url)
    import_report = ROOT / "var" / "import-reports" / f"accuracy-aijobs-{Path(config['NAME']).stem}.csv"
    timings["manage.py import_salaries"], import_output = run_manage(
        [
            "import_salaries",
            "--format",
            "aijobs",
            str(csv_path),
            "--release",
            args.release,
            "--report",
            str(import_report),
        ],
        args.database_url,
    )
    timings["manage.py rebuild_market_ranges"], rebuild_output = run_manage(
        ["rebuild_market_ranges"], args.database_url
    )

    setup_django(args.database_url)
    from django.conf import settings
    from django.db import connection

    from insights.models import MarketRange

    started = time.perf_counter()
    with connection.cursor() as cursor:
        records = read_records(cursor)
        cursor.execute("SELECT count(*) FROM jobs_jobposting")
        postings = cursor.fetchone()[0]
    expected = independent_statistics(records)
    timings["independent: read records and compute (numpy)"] = time.perf_counter() - started
    started = time.perf_counter()
    result, mismatches = compare(
        expected, MarketRange.objects.filter(window="all").order_by("key"), settings.MARKET_MIN_SAMPLE_SIZE
    )
    recent_year = first_work_year_in_last_12_months(date.today())
    recent_records = sum(1 for record in records if record[6] >= recent_year)
    recent_ranges = MarketRange.objects.filter(window="12m", sample_size__gt=0).count()
    timings["comparison"] = time.perf_counter() - started

    imported = json.loads(import_report.with_suffix(".json").read_text())
    with import_report.open(newline="") as handle:
        rejected_rows = list(csv.DictReader(handle))
    years = sorted({record[6] for record in records})
    command = (
        shlex.join([".venv/bin/python", "benchmarks/accuracy_aijobs.py", *sys.argv[1:]])
        if argv is None
        else shlex.join(["accuracy_aijobs", *argv])
    )
    large_enough = sum(1 for mine in expected.values() if mine.n >= settings.MARKET_MIN_SAMPLE_SIZE)
    worst = f"{result.max_difference} USD"
    lines = [
        "# Market-range accuracy on the ai-jobs.net survey: engine against an independent numpy computation",
        "",
        f"- Date: {date.today().isoformat()}",
        f"- Machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}; load average at start "
        f"{' '.join(f'{x:.2f}' for x in load_at_start)} (shared machine: timings are indicative)",
        f"- Database: {database_description(connection)} at `{safe_url(config, args.database_url)}`"
        f"{' (recreated and migrated)' if args.recreate else ''}; tasks eager (no broker); "
        f"DJANGO_DEBUG={os.environ.get('DJANGO_DEBUG', 'unset (on)')}",
        f"- Command: `{command}`",
        f"- Salary file: `{csv_path.name}`, {csv_row_count(csv_path):,} data rows",
        "",
        "## Timings",
        "",
        "Wall time of each step; the manage.py steps include Django start-up (one subprocess each).",
        "",
        "| step | seconds |",
        "| --- | --- |",
        *[f"| {step} | {seconds:.1f} |" for step, seconds in timings.items()],
        "",
        "## Import",
        "",
        f"- `{import_output.strip().splitlines()[0]}`",
        f"- Rows in `salaries_salaryobservation` afterwards: {len(records):,}; work years {years[0]}–{years[-1]}"
        if years
        else "- No rows imported.",
        f"- Rejected: {imported['rejected']} "
        + (
            "(" + "; ".join(f"{count} × {reason}" for reason, count in imported["rejections_by_reason"].items()) + ")"
            if imported["rejected"]
            else ""
        ),
        *[f"  - line {row['line']}: {row['field']}: {row['reason']}" for row in rejected_rows[:10]],
        f"- Job postings in the database: {postings:,} (stored ranges hold survey records only when this is 0)",
        f"- `rebuild_market_ranges`: {rebuild_output.strip().splitlines()[-1] if rebuild_output.strip() else '(no output)'}",
        "",
        "## Result",
        "",
        "| measure | count |",
        "| --- | --- |",
        f"| stored ranges of window `all` | {result.stored_all:,} |",
        f"| … publishable, compared | {result.compared:,} |",
        f"| … not publishable, with data | {result.stored_unpublishable_with_data:,} |",
        f"| … empty (no data) | {result.stored_empty:,} |",
        f"| segments found independently | {len(expected):,} |",
        f"| … with ≥ {settings.MARKET_MIN_SAMPLE_SIZE} points, checked for a publishable stored range "
        f"| {result.reverse_checked:,} |",
        f"| values compared (p10, p25, p50, p75, p90, mean) | {result.values_compared:,} |",
        f"| … equal to the cent | {result.values_exact:,} |",
        f"| max \\|stored − numpy rounded to cents\\| | {worst} |",
        f"| max \\|stored − numpy unrounded\\| | {result.max_difference_unrounded:.6f} USD |",
        f"| mismatches | {len(mismatches):,} |",
        "",
    ]
    if mismatches:
        lines += [
            f"## Mismatches (first {min(len(mismatches), MISMATCHES_SHOWN)} of {len(mismatches)})",
            "",
            "| segment | what | stored | numpy |",
            "| --- | --- | --- | --- |",
            *[f"| `{m.key}` | {m.what} | {m.stored} | {m.expected} |" for m in mismatches[:MISMATCHES_SHOWN]],
            "",
        ]
    else:
        lines += ["No mismatches.", ""]
    if result.cent_apart:
        closer = Counter(c.closer for c in result.cent_apart)
        lines += [
            f"## Values one cent apart ({len(result.cent_apart)}, within tolerance)",
            "",
            "Each against the figure computed in exact decimal arithmetic from the stored salaries (no float), "
            f"rounded half-up: the stored value matches it in {closer['stored']}, numpy's in {closer['numpy']}"
            f", neither in {closer['neither']}.",
            "",
            "| segment | value | stored | numpy (unrounded) | exact | exact, half-up | matches exact |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *[
                f"| `{c.key}` | {c.field} | {c.stored} | {c.numpy!r} | {c.exact.normalize():f} | {half_up(c.exact)} "
                f"| {c.closer} |"
                for c in result.cent_apart[:MISMATCHES_SHOWN]
            ],
            "",
        ]
    lines += [
        "## Method",
        "",
        "- Records are read with one plain SQL query from `salaries_salaryobservation` (`salary_usd`, "
        "`role_family`, `level`, `country`, `company_size`, `remote_ratio`, `work_year`), not through the "
        "product's querysets or segment code.",
        "- Membership is re-implemented in this script: role family × level × place (the employer's country; "
        "its region; the world) × size (the record's band; any) × remote (any; remote-only too when "
        "`remote_ratio` = 100), window `all`. Every role family is included, `other` too, as the engine does. "
        "The country → region table is imported from `insights.regions.REGION_OF` (data, not engine code).",
        '- Per segment: `numpy.percentile(values, [10, 25, 50, 75, 90], method="linear")` and `numpy.mean` '
        "on float64 (`float()` of each stored `salary_usd`). Each figure is rounded half-up to cents from its "
        "shortest decimal repr and compared with the stored value; a difference of at most 0.01 passes.",
        f"- Publishable is `MarketRange.published` (insights.disclosure): at least {settings.MARKET_MIN_SAMPLE_SIZE} points, "
        f"at least {settings.MARKET_MIN_COMPANIES} contributors, top contributor ≤ 50%. Each survey respondent "
        "is their own contributor, so with survey records alone a range is publishable exactly when it has "
        f"≥ {settings.MARKET_MIN_SAMPLE_SIZE} points; the reverse check asks that every such segment found "
        f"independently ({large_enough:,}) has a stored, publishable range.",
        f"- Window `12m` is not compared: as of {date.today().isoformat()} it holds work years ≥ {recent_year} "
        f"(a year counts as its 1 July), which is {recent_records:,} of the {len(records):,} records; "
        f"stored `12m` ranges with data: {recent_ranges:,}.",
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)

    print()
    print(
        f"{result.compared:,} publishable `all` ranges compared, {result.reverse_checked:,} segments with "
        f"≥ {settings.MARKET_MIN_SAMPLE_SIZE} points checked the other way; {result.values_exact:,} of "
        f"{result.values_compared:,} values equal to the cent, max difference {worst}; "
        f"{len(mismatches)} mismatches."
    )
    for mismatch in mismatches[:MISMATCHES_SHOWN]:
        print(f"  {mismatch.key}: {mismatch.what}: stored {mismatch.stored}, numpy {mismatch.expected}")
    print(f"Wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
