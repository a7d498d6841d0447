"""Full rebuild at scale against one hand-written percentile_cont query, in the same run.

The baseline is what a DBA would write by hand: one SELECT over the same visible postings and survey
records, joined to the same regions, with GROUPING SETS for the same 32 segment shapes (place scope ×
size × remote × window; remote-only and 12-month are grouped as flags), and, UNION ALL, the 24 shapes of the
sector segments over the postings of companies with a sector, computing p10–p90 with `percentile_cont`. It returns rows and writes nothing. The rebuild is the product's own command
(`manage.py rebuild_market_ranges`), which also computes total-compensation percentiles, counts,
contributors and the largest contributor's share, and writes every range. Baseline runs before and
after the rebuild; the ratio uses their mean. Memory: the rebuild command's peak resident set
(VmHWM of the child after exec, read from /proc).

    .venv/bin/python benchmarks/generate_postings.py --recreate --postings 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m
    .venv/bin/python benchmarks/rebuild_1m.py --database-url postgres://postgres@127.0.0.1:5432/jobboard_bench_1m

Writes benchmarks/results/rebuild_1m.md.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _grouping_sets(places: list[str]) -> str:
    """Every combination of one place grouping (or none: worldwide) with size band, remote and recency,
    each grouped or not: the segment shapes, with remote-only and 12-month as flags."""
    sets = []
    for place in [*places, ""]:
        for size in ("pt.size_band", ""):
            for remote in ("pt.remote", ""):
                for recent in ("pt.recent", ""):
                    sets.append("(" + ", ".join(c for c in (place, size, remote, recent) if c) + ")")
    return ",\n    ".join(sets)


# The same columns in both halves, and the same six grouping bits in `shape` (the sector half never groups by
# city, so its city bit is set by hand), so one decoding serves both.
_SELECT = """
    SELECT pt.role_family, pt.level, {sector} AS sector, pt.country, {city} AS city, r.region, pt.size_band,
           pt.remote, pt.recent, {shape} AS shape,
           count(*),
           percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY pt.pay)
    FROM {points} pt LEFT JOIN regions r ON r.country = pt.country
    GROUP BY pt.role_family, pt.level{sector_group}, GROUPING SETS (
    {sets}
    )"""
_HALVES = {
    "all": {
        "sector": "NULL::text", "city": "pt.city", "points": "points", "sector_group": "",
        "shape": "GROUPING(pt.country, pt.city, r.region, pt.size_band, pt.remote, pt.recent)",
        "sets": _grouping_sets(["pt.country, pt.city", "pt.country", "r.region"]),
    },
    "sector": {
        "sector": "pt.sector", "city": "NULL::text", "points": "sector_points", "sector_group": ", pt.sector",
        "shape": "GROUPING(pt.country) * 32 + 16 + GROUPING(r.region, pt.size_band, pt.remote, pt.recent)",
        "sets": _grouping_sets(["pt.country", "r.region"]),
    },
}  # fmt: skip
BASELINE = f"""
WITH regions(country, region) AS (SELECT * FROM unnest(%(countries)s::text[], %(regions)s::text[])),
points AS (
    SELECT p.role_family, p.level, p.country, NULLIF(p.city_slug, '') AS city, c.size_band,
           p.remote_policy = 'remote' AS remote, TRUE AS recent, p.salary_mid_usd AS pay
    FROM jobs_jobposting p JOIN jobs_company c ON c.id = p.company_id
    WHERE p.status = 'published' AND (p.expires_at IS NULL OR p.expires_at > %(now)s)
    UNION ALL
    SELECT o.role_family, o.level, o.country, NULL, o.company_size, o.remote_ratio = 100,
           o.work_year >= %(recent_year)s, o.salary_usd
    FROM salaries_salaryobservation o
),
sector_points AS (  -- postings of companies with a sector (surveys give none), cut from country scope out
    SELECT p.role_family, p.level, c.sector, p.country, c.size_band,
           p.remote_policy = 'remote' AS remote, TRUE AS recent, p.salary_mid_usd AS pay
    FROM jobs_jobposting p JOIN jobs_company c ON c.id = p.company_id
    WHERE p.status = 'published' AND (p.expires_at IS NULL OR p.expires_at > %(now)s) AND c.sector <> ''
)
{_SELECT.format(**_HALVES["all"])}
UNION ALL
{_SELECT.format(**_HALVES["sector"])}
"""


def run_baseline(connection, now, recent_year):
    from insights.regions import REGION_OF

    params = {"countries": list(REGION_OF), "regions": list(REGION_OF.values()), "now": now, "recent_year": recent_year}
    started = time.perf_counter()
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(BASELINE, params)
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def baseline_key(row) -> str | None:
    """The product's segment key of one baseline row, or None for a group the product does not keep."""
    role, level, sector, country, city, region, size, remote, recent, shape, _, _ = row
    grouped = {name: not (shape >> bit) & 1 for bit, name in enumerate(["recent", "remote", "size", "region", "city", "country"])}  # fmt: skip
    if grouped["remote"] and not remote or grouped["recent"] and not recent:
        return None  # the on-site-only and older-only groups: flags, not segments
    if grouped["city"]:
        if city is None:
            return None
        scope, place = "city", f"{country}.{city}"
    elif grouped["country"]:
        scope, place = "country", country
    elif grouped["region"]:
        if region is None:
            return None
        scope, place = "region", region
    else:
        scope, place = "world", "-"
    size_part = size if grouped["size"] else "any"
    if grouped["size"] and not size:
        return None
    return ":".join([role, level, scope, place, size_part, *([sector] if sector else []),
                     "remote" if grouped["remote"] else "any", "12m" if grouped["recent"] else "all"])  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jobboard_bench_1m")
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "results" / "rebuild_1m.md"))
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from insights.models import MarketRange
    from insights.segments import WINDOW_12M, first_work_year_in
    from jobs.models import JobPosting
    from salaries.models import SalaryObservation

    postings = JobPosting.objects.visible().count()
    observations = SalaryObservation.objects.count()
    if not postings:
        raise SystemExit("No postings: run benchmarks/generate_postings.py first.")
    now = timezone.now()
    recent_year = first_work_year_in(WINDOW_12M, now.date())
    print(f"{postings:,} visible postings, {observations:,} survey records")

    first, rows = run_baseline(connection, now, recent_year)
    print(f"baseline: {first:.1f} s, {len(rows):,} groups")
    connection.close()

    env = {**os.environ, "DATABASE_URL": args.database_url}
    command = [sys.executable, str(ROOT / "manage.py"), "rebuild_market_ranges"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    peak_mb = 0.0
    timeline = []  # (seconds, resident MB) every second: where the memory goes, if it grows
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            fields = {line.split(":")[0]: line.split()[1:] for line in status.splitlines() if ":" in line}
            timeline.append((time.perf_counter() - started, int(fields["VmRSS"][0]) / 1024))
            peak_mb = int(fields["VmHWM"][0]) / 1024  # the peak since exec: the rebuild's own

        except (OSError, KeyError):
            pass
        time.sleep(1)
    if process.returncode:
        raise SystemExit(f"rebuild failed with status {process.returncode}")
    rebuild = time.perf_counter() - started
    # Not getrusage(RUSAGE_CHILDREN): its peak counts the forked child before exec, i.e. this process's size.
    print("resident MB over time:", [(round(t), round(mb)) for t, mb in timeline[:: max(1, len(timeline) // 20)]])
    print(f"rebuild: {rebuild:.1f} s, peak RSS {peak_mb:.0f} MB")

    second, rows = run_baseline(connection, now, recent_year)
    print(f"baseline again: {second:.1f} s")
    baseline = (first + second) / 2

    # Spot check: the stored ranges against the baseline's percentiles (same rows, same definition).
    expected = {}
    for row in rows:
        key = baseline_key(row)
        if key:
            expected[key] = (row[10], row[11])
    stored_keys = set(MarketRange.objects.filter(sample_size__gt=0).values_list("key", flat=True))
    sample = random.Random(5).sample(sorted(expected), min(2000, len(expected)))
    stored = {r.key: r for r in MarketRange.objects.filter(key__in=sample)}
    cent = Decimal("0.01")
    mismatches = []
    for key in sample:
        n, cuts = expected[key]
        market_range = stored.get(key)
        want = [Decimal(repr(c)).quantize(cent, ROUND_HALF_UP) for c in cuts]
        have = [getattr(market_range, f) for f in ("p10", "p25", "p50", "p75", "p90")] if market_range else None
        if (
            not market_range
            or market_range.sample_size != n
            or any(abs(h - w) > cent for h, w in zip(have, want, strict=True))
        ):
            mismatches.append((key, n, market_range and market_range.sample_size))
    missing = len(set(expected) - stored_keys)
    extra = len(stored_keys - set(expected))

    ratio = rebuild / baseline
    lines = [
        "# Full rebuild at scale against hand-written percentile_cont",
        "",
        f"Commands: `python benchmarks/rebuild_1m.py --database-url {args.database_url}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC (PostgreSQL 15, 2 cores, data generated by "
        "`benchmarks/generate_postings.py --postings 1000000`).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| visible postings / survey records | {postings:,} / {observations:,} |",
        f"| hand-written GROUPING SETS query, before / after the rebuild | {first:.1f} s / {second:.1f} s |",
        f"| `manage.py rebuild_market_ranges` (wall, including Django start-up and writing) | {rebuild:.1f} s |",
        f"| ratio rebuild / baseline mean | **{ratio:.2f}×** (target ≤ 2×) |",
        f"| segments with data (baseline groups kept as segments / stored ranges) | {len(expected):,} / {len(stored_keys):,} |",
        f"| segments in one but not the other | {missing} missing, {extra} extra |",
        f"| spot check: {len(sample):,} random segments, sample size and p10–p90 equal to the cent | {len(sample) - len(mismatches):,} equal, {len(mismatches)} differ |",
        f"| rebuild process peak resident memory | {peak_mb:.0f} MB (target < 300 MB) |",
    ]  # fmt: skip
    if mismatches:
        lines += ["", "First differences:", *[f"- {m}" for m in mismatches[:10]]]
    Path(args.report).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
