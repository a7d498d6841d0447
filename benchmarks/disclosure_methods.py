"""Disclosure-control methods against each other on real pay: the accuracy each costs, what each lets an attacker
recover, and what each release costs to compute.

Samples of n = 5, 20, 100 and 1,000 annual salaries (`salary_in_usd`) are drawn without replacement from one
segment of the ai-jobs.net survey (senior level, company in the US, full time). Each repetition draws n + 1
points (sample A) and removes one of them at random, x, leaving sample B: the nested pair of a range before and
after one posting closes. Accuracy is measured on B; both are published for the attack.

Methods, each giving a public p25, p50, p75 and count:
1. The project's release, `insights.disclosure.release_sample`, with a random cell key per sample; the keys of
   A and B differ by x's record key, as they do in the product.
2. Rounding only: exact percentiles rounded to 1,000 USD, the count shown as a band (5-9, 10-19, 20-49, ...).
3. Differential privacy with OpenDP: `make_private_quantile` (exponential mechanism, pure epsilon-DP) on a
   1,000 USD grid over [10,000, 1,000,000] for each percentile and a discrete-Laplace count, each statistic at
   epsilon = 0.1, 1 and 10.
4. The `cell-key-perturbation` package (ONS) on counts, once per n on one table of --reps cells.
5. Cell suppression with secondary suppression audited by linear programming (scipy's HiGHS), as tau-argus
   does, on synthetic tables of k = 4, 16 and 64 cells whose published cells show exact sums.

The attacker estimates x from the pair by (a) n_A * p50_A - n_B * p50_B and (b) 2 * p50_A - p50_B, and succeeds
when an estimate lands within 5% of x; guessing x = p50_A is the baseline.

Usage (from the repository root):
    .venv/bin/python benchmarks/disclosure_methods.py [--reps 2000] [--seed 20261202] [--tables 20] [--report PATH]
Needs the `bench` extra (`.venv/bin/pip install -e ".[bench]"`: opendp, cell-key-perturbation, pandas, which the latter imports without declaring it, and
scipy, and the salary file at ../shared/data/ beside the repository. About 6 minutes on 2 cores at the defaults.
OpenDP draws its noise from its own unseeded generator, so its rows alone vary between runs with one seed.
"""

import argparse
import contextlib
import csv
import functools
import importlib.metadata
import io
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import django
import numpy as np
import opendp.prelude as dp
import pandas as pd
from cell_key_perturbation.create_perturbed_table import create_perturbed_table
from cell_key_perturbation.utils.generate_test_ptable import generate_ptable_10_5_rule
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from insights.disclosure import COUNT_TABLE, KEY_SPACE, Sample, release_sample, rule_problem  # noqa: E402
from insights.percentiles import as_numeric  # noqa: E402

DATA_FILE = ROOT.parent / "shared" / "data" / "aijobs-salaries-2025-01-19.csv"
DEFAULT_REPORT = ROOT / "benchmarks" / "results" / "disclosure_methods.md"
SEGMENT = {"experience_level": "SE", "company_location": "US", "employment_type": "FT"}
SEGMENT_LABEL = "senior level (SE), company in the US, full time"
SIZES = (5, 20, 100, 1000)
CUTS = {"p10": 10, "p25": 25, "p50": 50, "p75": 75, "p90": 90}
SHOWN = ("p25", "p50", "p75")
RECOVERY_TOLERANCE = 0.05
TIMED_RELEASES = 200
EXACT_PERCENTILES = "exact percentiles alone"
ATTACKS = {
    "a": "(a) n·p50 difference, published counts",
    "a_true_n": "(a) with the true counts",
    "b": "(b) 2·p50_A − p50_B",
    "best": "better of (a) and (b)",
    "baseline": "baseline: x = p50_A",
}

PROJECT = "project: cell key (insights.disclosure)"
ROUNDING = "rounding only (1,000 USD, count bands)"
ROUND_ONLY_TO = 1_000
EPSILONS = (0.1, 1.0, 10.0)
DP_LOWER, DP_UPPER, DP_GRID = 10_000, 1_000_000, 1_000

CKP_BUNDLED = "bundled 10-5 rule, threshold 10"
CKP_OURS = "project's p-table, threshold 0"
CKP_KEY_RANGE = 256  # the package's record and cell keys run 0..255
CKP_SIZE_SPREAD = 5  # cells of n to n + 4 records, so that rounding to base 5 meets every remainder
TABLE_SHAPES = ((1, 4), (4, 4), (8, 8))  # rows × columns: one segment in 4 parts, then two-way splits
TABLE_COMPANIES = 30
MEAN_CELL_SIZE = 12  # geometric cell sizes: about 3 cells in 10 fall under 5 points
PROTECTION = 0.10  # an attacker's interval for a sensitive cell's sum must reach 10% either side of it


@dataclass(frozen=True)
class Published:
    p25: float
    p50: float
    p75: float
    count: float


@dataclass(frozen=True)
class Method:
    name: str
    publish: Callable[[np.ndarray, int], Published]  # (sample, cell key) -> its public figures
    in_accuracy_table: bool = True
    count_as_band: bool = False


@dataclass
class Trials:
    """One method's outcomes at one n, one entry per nested pair."""

    relative_errors: list[tuple[float, ...]] = field(default_factory=list)
    count_errors: list[float] = field(default_factory=list)
    hits: dict[str, list[bool]] = field(default_factory=lambda: {name: [] for name in ATTACKS})

    def error(self, name: str, q: float) -> float:
        """The q-th percentile of the absolute relative error of one public percentile, in %."""
        return float(np.percentile(np.array(self.relative_errors)[:, SHOWN.index(name)], q)) * 100

    def hit_share(self, attack: str) -> float:
        return 100 * sum(self.hits[attack]) / len(self.hits[attack])


@dataclass
class SizeResults:
    trials: dict[str, Trials]
    mean_attack_errors: list[float]  # |n_A·mean_A − n_B·mean_B − x| with exact counts and means
    microseconds: dict[str, float]  # per release, by method; EXACT_PERCENTILES for that step alone


def load_segment(path: Path) -> np.ndarray:
    if not path.is_file():
        sys.exit(f"salary file not found: {path}\nPut the shared data folder at ../shared/data/ beside the repository.")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        salaries = [float(row["salary_in_usd"]) for row in rows if all(row[k] == v for k, v in SEGMENT.items())]
    return np.array(salaries)


def exact_percentiles(sample: np.ndarray) -> dict[str, float]:
    return dict(zip(CUTS, np.percentile(sample, list(CUTS.values()), method="linear"), strict=True))


def publish_exact(sample: np.ndarray, key: int) -> Published:
    cuts = exact_percentiles(sample)
    return Published(cuts["p25"], cuts["p50"], cuts["p75"], len(sample))


def publish_project(sample: np.ndarray, key: int) -> Published:
    n = len(sample)
    percentiles = {name: as_numeric(value) for name, value in exact_percentiles(sample).items()}
    # Survey records: every point is its own contributor, as in the product.
    figures = release_sample(Sample(n, n, Decimal(1) / n, percentiles, key))
    return Published(figures["p25"], figures["p50"], figures["p75"], figures["sample_size"])


def count_band(n: int) -> tuple[int, int]:
    """The 1-2-5 band holding n, from 5: 5-9, 10-19, 20-49, 50-99, 100-199, ..."""
    if n < 10:
        return 5, 9
    magnitude = 10 ** (len(str(n)) - 1)
    edges = [step * magnitude for step in (1, 2, 5, 10)]
    return max(edge for edge in edges if edge <= n), min(edge for edge in edges if edge > n) - 1


def publish_rounded(sample: np.ndarray, key: int) -> Published:
    cuts = exact_percentiles(sample)
    lower, upper = count_band(len(sample))
    # A band is read as its midpoint wherever a number is needed (the count error, attack (a)).
    return Published(
        *(math.floor(cuts[name] / ROUND_ONLY_TO + 0.5) * ROUND_ONLY_TO for name in SHOWN), (lower + upper) / 2
    )


def dp_name(epsilon: float) -> str:
    return f"OpenDP ε = {epsilon:g} per statistic"


def dp_publisher(epsilon: float) -> tuple[Callable[[np.ndarray, int], Published], float, float]:
    """An OpenDP release at `epsilon` per statistic, and the noise scales found for its quantiles and its count."""
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    candidates = [float(value) for value in range(DP_LOWER, DP_UPPER + 1, DP_GRID)]

    def quantile(alpha: float) -> Callable[[float], dp.Measurement]:
        return lambda scale: dp.m.make_private_quantile(
            *space, dp.max_divergence(), candidates=candidates, alpha=alpha, scale=scale
        )

    def count(scale: float) -> dp.Measurement:
        return dp.t.make_count(*space) >> dp.m.then_laplace(scale)

    # d_in = 1: one posting added or removed, each point its own person (a contributor of several postings
    # would need d_in of their number).
    quantile_scale = dp.binary_search_param(quantile(0.5), d_in=1, d_out=epsilon)
    count_scale = dp.binary_search_param(count, d_in=1, d_out=epsilon)
    quantiles = [quantile(CUTS[name] / 100)(quantile_scale) for name in SHOWN]
    counter = count(count_scale)

    def publish(sample: np.ndarray, key: int) -> Published:
        points = sample.tolist()
        return Published(*(measurement(points) for measurement in quantiles), counter(points))

    return publish, quantile_scale, count_scale


def attack(published_a: Published, published_b: Published, x: float, n_a: int, n_b: int) -> dict[str, bool]:
    def near(estimate: float) -> bool:
        return abs(estimate - x) <= RECOVERY_TOLERANCE * x

    by_counts = published_a.count * published_a.p50 - published_b.count * published_b.p50
    by_true_counts = n_a * published_a.p50 - n_b * published_b.p50
    by_shift = 2 * published_a.p50 - published_b.p50
    return {
        "a": near(by_counts),
        "a_true_n": near(by_true_counts),
        "b": near(by_shift),
        "best": near(by_counts) or near(by_shift),
        "baseline": near(published_a.p50),
    }


def run_pairs(pool: np.ndarray, n: int, reps: int, rng: np.random.Generator, methods: list[Method]) -> SizeResults:
    """Every method on the same nested pairs."""
    results = SizeResults({method.name: Trials() for method in methods}, [], {})
    for _ in range(reps):
        sample_a = rng.choice(pool, n + 1, replace=False)
        removed = int(rng.integers(n + 1))
        x = float(sample_a[removed])
        sample_b = np.delete(sample_a, removed)
        key_b, key_x = (int(key) for key in rng.integers(KEY_SPACE, size=2))
        key_a = (key_b + key_x) % KEY_SPACE
        results.mean_attack_errors.append(abs((n + 1) * float(sample_a.mean()) - n * float(sample_b.mean()) - x))
        exact = exact_percentiles(sample_b)
        for method in methods:
            published_b = method.publish(sample_b, key_b)
            published_a = method.publish(sample_a, key_a)
            trials = results.trials[method.name]
            trials.relative_errors.append(
                tuple(abs(getattr(published_b, name) - exact[name]) / exact[name] for name in SHOWN)
            )
            trials.count_errors.append(abs(published_b.count - n))
            for name, hit in attack(published_a, published_b, x, n + 1, n).items():
                trials.hits[name].append(hit)
    results.microseconds = release_costs(pool, n, rng, methods)
    return results


def release_costs(pool: np.ndarray, n: int, rng: np.random.Generator, methods: list[Method]) -> dict[str, float]:
    """Microseconds per release, each method alone in a loop over the same samples (interleaved with the others,
    each would run on caches the others had filled)."""
    samples = [rng.choice(pool, n, replace=False) for _ in range(TIMED_RELEASES)]
    steps = {EXACT_PERCENTILES: exact_percentiles} | {
        method.name: functools.partial(method.publish, key=0) for method in methods
    }
    costs = {}
    for name, step in steps.items():
        started = time.perf_counter_ns()
        for sample in samples:
            step(sample)
        costs[name] = (time.perf_counter_ns() - started) / len(samples) / 1000
    return costs


def project_ptable() -> pd.DataFrame:
    """The project's count p-table in the package's layout: the change each cell key in 0..255 draws."""
    changes = [next(change for limit, change in COUNT_TABLE if key / CKP_KEY_RANGE < limit) for key in range(256)]
    return pd.DataFrame(
        [(pcv, key, change) for pcv in range(1, 751) for key, change in enumerate(changes)],
        columns=["pcv", "ckey", "pvalue"],
    )


def ckp_counts(n: int, cells: int, ptable: pd.DataFrame, threshold: int, rng: np.random.Generator) -> dict:
    """Count errors of `create_perturbed_table` on one table of `cells` cells of n to n + 4 records each."""
    sizes = n + rng.integers(CKP_SIZE_SPREAD, size=cells)
    microdata = pd.DataFrame(
        {"cell": np.repeat(np.arange(cells), sizes), "record_key": rng.integers(CKP_KEY_RANGE, size=sizes.sum())}
    )
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a line on validating its inputs
        table = create_perturbed_table(
            data=microdata, ptable=ptable, geog=[], tab_vars=["cell"], record_key="record_key", threshold=threshold
        )
    elapsed = time.perf_counter() - started
    shown = table["count"].dropna().astype(float)
    return {
        "suppressed": 1 - len(shown) / cells,
        "errors": (shown - table.loc[shown.index, "pre_sdc_count"]).abs().to_numpy(),
        "microseconds": elapsed / cells * 1e6,
    }


@dataclass(frozen=True)
class Table:
    counts: np.ndarray  # rows × columns
    sums: np.ndarray
    sensitive: np.ndarray  # cells failing the publication rule: the primary suppressions
    constraints: list[tuple[list[int], float]]  # published totals: their cells (flat indices) and exact sum


def fails_rule(companies: np.ndarray) -> bool:
    if len(companies) == 0:
        return True
    points_by_company = np.bincount(companies)
    top_share = Decimal(int(points_by_company.max())) / len(companies)
    return rule_problem(len(companies), int(np.count_nonzero(points_by_company)), top_share) is not None


def synthetic_table(pool: np.ndarray, rows: int, columns: int, rng: np.random.Generator) -> Table:
    """A table with at least one cell failing the rule (a table without one needs no audit)."""
    sensitive = np.zeros((rows, columns), dtype=bool)
    while not sensitive.any():
        counts = rng.geometric(1 / MEAN_CELL_SIZE, size=(rows, columns))
        companies = [[rng.integers(TABLE_COMPANIES, size=count) for count in row] for row in counts]
        sensitive = np.array([[fails_rule(cell) for cell in row] for row in companies])
    sums = np.array([[rng.choice(pool, count, replace=False).sum() for count in row] for row in counts])
    index = np.arange(rows * columns).reshape(rows, columns)
    totals = [(index[r, :], np.concatenate(companies[r])) for r in range(rows)]
    if rows > 1:  # with one row, the column totals are the cells themselves and the row total is the grand total
        totals += [(index[:, c], np.concatenate([companies[r][c] for r in range(rows)])) for c in range(columns)]
        totals.append((index.ravel(), np.concatenate([cell for row in companies for cell in row])))
    constraints = [
        (cells.tolist(), float(sums.ravel()[cells].sum())) for cells, members in totals if not fails_rule(members)
    ]
    return Table(counts, sums, sensitive, constraints)


def audit(table: Table, suppressed: np.ndarray) -> dict[int, tuple[float, float]]:
    """The interval an attacker can prove for each suppressed cell's sum from every published count, sum and total:
    the minimum and the maximum of a linear programme each."""
    hidden = np.flatnonzero(suppressed.ravel())
    position = {int(cell): i for i, cell in enumerate(hidden)}
    sums, counts = table.sums.ravel(), table.counts.ravel()
    equalities, right_sides = [], []
    for cells, total in table.constraints:
        row = np.zeros(len(hidden))
        for cell in cells:
            if cell in position:
                row[position[cell]] = 1
        if row.any():
            equalities.append(row)
            right_sides.append(total - sum(sums[cell] for cell in cells if cell not in position))
    bounds = [(counts[cell] * DP_LOWER, counts[cell] * DP_UPPER) for cell in hidden]
    intervals = {}
    for cell, i in position.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1
        low = linprog(objective, A_eq=equalities or None, b_eq=right_sides or None, bounds=bounds).fun
        high = -linprog(-objective, A_eq=equalities or None, b_eq=right_sides or None, bounds=bounds).fun
        intervals[cell] = (low, high)
    return intervals


def exposed_cell(table: Table, intervals: dict[int, tuple[float, float]]) -> int | None:
    sums = table.sums.ravel()
    for cell in map(int, np.flatnonzero(table.sensitive.ravel())):
        low, high = intervals[cell]
        if low > (1 - PROTECTION) * sums[cell] or high < (1 + PROTECTION) * sums[cell]:
            return cell
    return None


def protect(table: Table) -> dict:
    """Greedy secondary suppression: while an audit finds a sensitive cell bounded too narrowly, also suppress the
    smallest published cell in its row or column (any published cell if none is left there). tau-argus's optimal
    and modular methods search for a cheaper pattern, at a higher cost."""
    suppressed = table.sensitive.copy()
    columns = table.sums.shape[1]
    audits, lps = [], 0
    started = time.perf_counter()
    while True:
        audit_started = time.perf_counter()
        intervals = audit(table, suppressed)
        audits.append((time.perf_counter() - audit_started) * 1000)
        lps += 2 * len(intervals)
        cell = exposed_cell(table, intervals)
        published = list(zip(*np.nonzero(~suppressed), strict=True))
        if cell is None or not published:
            break
        row, column = divmod(cell, columns)
        candidates = [(r, c) for r, c in published if r == row or c == column] or published
        suppressed[min(candidates, key=lambda rc: table.sums[rc])] = True
    sums, sensitive = table.sums.ravel(), table.sensitive.ravel()
    widths = [(high - low) / sums[cell] for cell, (low, high) in intervals.items() if sensitive[cell]]
    return {
        "primary": int(sensitive.sum()),
        "secondary": int(suppressed.sum() - sensitive.sum()),
        "audits": len(audits),
        "lps": lps,
        "final_audit_ms": audits[-1],
        "total_ms": (time.perf_counter() - started) * 1000,
        "narrowest_width": min(widths, default=math.nan),
        "exposed": cell is not None,
    }


def header_lines(argv: list[str], elapsed: float, pool: np.ndarray, args: argparse.Namespace) -> list[str]:
    packages = ("numpy", "scipy", "pandas", "opendp", "cell-key-perturbation", "Django")
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in packages)
    quartiles = " / ".join(f"{value:,.0f}" for value in np.percentile(pool, [25, 50, 75]))
    return [
        "# Disclosure-control methods on real pay: accuracy, what an attacker recovers, cost",
        "",
        f"- Command: `{shlex.join(['.venv/bin/python', 'benchmarks/disclosure_methods.py', *argv])}`",
        f"- Date: {date.today().isoformat()}; wall time {elapsed:.0f} s",
        f"- Machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}; load average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
        "(shared machine: timings are indicative)",
        f"- Packages: {versions}",
        f"- Data: `{DATA_FILE.name}`, column `salary_in_usd`, segment {SEGMENT_LABEL}: {len(pool):,} salaries "
        f"(p25 / p50 / p75 of the segment {quartiles} USD)",
        f"- {args.reps:,} nested pairs per n, seed {args.seed}: sample A of n + 1 salaries drawn without replacement, "
        "B = A less one of its points, x, chosen at random. Accuracy is measured on B; the attack uses both.",
    ]


def method_lines(dp_scales: dict[float, tuple[float, float]]) -> list[str]:
    scales = "; ".join(f"ε = {e:g}: quantile scale {q:g}, count scale {c:g}" for e, (q, c) in dp_scales.items())
    return [
        "",
        "Methods:",
        "- **exact figures**: no control, for reference in the attack.",
        "- **project**: `insights.disclosure.release_sample` on exact percentiles (numpy `linear`), every point its "
        "own contributor, a uniform random cell key per sample in [0, KEY_SPACE), key_A = key_B + key_x mod "
        "KEY_SPACE. Its count is `sample_size` (a p-table change of −2 to +2, at least 5).",
        f"- **rounding only**: exact percentiles rounded to {ROUND_ONLY_TO:,} USD, no mean; the count as a 1-2-5 "
        "band (5–9, 10–19, 20–49, …), read as the band's midpoint where a number is needed.",
        f"- **OpenDP**: `dp.m.make_private_quantile` (pure ε-DP, `max_divergence`, symmetric distance, size not "
        f"public) over candidates {DP_LOWER:,} to {DP_UPPER:,} USD every {DP_GRID:,}, one per percentile; the "
        "count by `dp.t.make_count` >> `dp.m.then_laplace` (discrete Laplace on integers). Scales from "
        f"`dp.binary_search_param` for d_in = 1: {scales}. Each statistic spends ε, so one release (three "
        "percentiles and a count) spends 4ε, A and B each, and a range recomputed every day spends it again each day.",
    ]


def accuracy_lines(methods: list[Method], results: dict[int, SizeResults]) -> list[str]:
    lines = [
        "",
        "## Accuracy of the public figures (sample B)",
        "",
        "Absolute relative error of each public percentile against the exact one: median / 90th percentile over the "
        "pairs. Count error in points. Cost: one release, from a sample's raw values to its public p25/p50/p75 and "
        f"count (exact percentiles included), timed on {TIMED_RELEASES} samples of n, one method at a time.",
        "",
        "| method | n | p25 | p50 | p75 | count error | µs per release |",
        "|---|---|---|---|---|---|---|",
    ]
    for method in methods:
        if not method.in_accuracy_table:
            continue
        for n, at_n in results.items():
            trials = at_n.trials[method.name]
            errors = " | ".join(f"{trials.error(name, 50):.2f}% / {trials.error(name, 90):.2f}%" for name in SHOWN)
            if method.count_as_band:
                lower, upper = count_band(n)
                count = f"band {lower:,}–{upper:,} (midpoint {abs((lower + upper) / 2 - n):g} off)"
            else:
                count = f"{np.percentile(trials.count_errors, 50):.1f} / {np.percentile(trials.count_errors, 90):.1f}"
            lines.append(f"| {method.name} | {n:,} | {errors} | {count} | {at_n.microseconds[method.name]:,.0f} |")
    percentile_costs = ", ".join(
        f"{at_n.microseconds[EXACT_PERCENTILES]:.0f} µs at n = {n:,}" for n, at_n in results.items()
    )
    lines += ["", f"Of each cost, the exact percentiles alone (numpy, five cuts) take {percentile_costs}."]
    return lines


def attack_lines(methods: list[Method], results: dict[int, SizeResults], reps: int) -> list[str]:
    lines = [
        "",
        "## What the attacker recovers from the nested pair",
        "",
        f"Share of pairs in which the estimate lands within {RECOVERY_TOLERANCE:.0%} of the removed salary x. 'With "
        "the true counts' is an attacker who knows n_A and n_B (postings are listed publicly). 'Better of (a) and (b)' "
        "counts a pair when either estimate from the published figures lands: two guesses, or an attacker who knew "
        "which to trust. "
        f"With {reps:,} pairs a share's standard error is at most {50 / math.sqrt(reps):.1f} points.",
        "",
        f"| method | n | {' | '.join(ATTACKS.values())} |",
        "|---|---|" + "---|" * len(ATTACKS),
    ]
    for method in methods:
        for n, at_n in results.items():
            trials = at_n.trials[method.name]
            lines.append(f"| {method.name} | {n:,} | {' | '.join(f'{trials.hit_share(a):.1f}%' for a in ATTACKS)} |")
    lines += [
        "",
        "### Why no exact linear statistic may be published",
        "",
        "With exact counts and an exact mean (a rounding-only release that also showed a mean), "
        "n_A·mean_A − n_B·mean_B is x itself:",
        "",
        "| n | pairs in which x is recovered to the cent | largest error |",
        "|---|---|---|",
    ]
    for n, at_n in results.items():
        errors = at_n.mean_attack_errors
        recovered = 100 * sum(error < 0.005 for error in errors) / len(errors)
        lines.append(f"| {n:,} | {recovered:.1f}% | {max(errors):.2g} USD |")
    return lines


def ckp_lines(ckp: dict[tuple[int, str], dict], results: dict[int, SizeResults], cells: int) -> list[str]:
    lines = [
        "",
        "## Counts through the `cell-key-perturbation` package",
        "",
        "`create_perturbed_table` builds a frequency table from microdata with record keys and applies a p-table. "
        "Called once per sample it would build a DataFrame and merge it with a 192,000-row p-table for every "
        f"release, so it is called once per n, on one table of {cells:,} cells of n to n + {CKP_SIZE_SPREAD - 1} "
        "records each (every remainder modulo 5), record keys uniform in 0..255; its cost is that call's time over the "
        "cells. Two p-tables: the one the package ships (`generate_ptable_10_5_rule`: counts under 10 become 0 and "
        "are suppressed, the rest rounded to base 5, whatever the cell key), and the project's count p-table written "
        "in the package's layout (without the project's floor of 5).",
        "",
        "| n | p-table | cells suppressed | count error median / p90 | µs per cell "
        "| project's release at n: count error |",
        "|---|---|---|---|---|---|",
    ]
    for (n, name), outcome in ckp.items():
        ours = results[n].trials[PROJECT].count_errors
        errors = outcome["errors"]
        error = f"{np.percentile(errors, 50):.1f} / {np.percentile(errors, 90):.1f}" if len(errors) else "—"
        lines.append(
            f"| {n:,} | {name} | {outcome['suppressed']:.0%} | {error} | {outcome['microseconds']:.1f} | "
            f"{np.percentile(ours, 50):.1f} / {np.percentile(ours, 90):.1f} |"
        )
    return lines


def suppression_lines(protected: dict[int, list[dict]], tables: int) -> list[str]:
    lines = [
        "",
        "## Cell suppression audited by linear programming (what tau-argus does)",
        "",
        f"Synthetic tables of k cells ({', '.join(f'{r}×{c}' for r, c in TABLE_SHAPES)}), {tables} per shape: cell "
        f"sizes geometric with mean {MEAN_CELL_SIZE}, salaries drawn from the segment, each point's contributor one "
        f"of {TABLE_COMPANIES} companies; only tables with at least one cell failing the project's rule "
        "(`insights.disclosure.rule_problem`). Published: every cell's count; the exact sum of each cell that passes "
        "the rule; each row and column total and the grand total that passes it. The attacker's interval for a "
        "suppressed cell's sum is its minimum and maximum given all that, "
        f"each cell's sum lying between its count × {DP_LOWER:,} and × {DP_UPPER:,} USD: two "
        "`scipy.optimize.linprog` (HiGHS) problems per suppressed cell. Secondary suppression is greedy: while a "
        f"sensitive cell's interval does not reach {PROTECTION:.0%} either side of its sum, suppress the smallest "
        "published cell in its row or column too, and audit again. The final audit is the one a recompute would run "
        "on a table whose pattern still holds. `pytauargus` (on PyPI) only drives the tau-argus program, a separate "
        "executable that is not installable here, so tau-argus's own pattern search was not run.",
        "",
        "| k cells | primary suppressions | secondary | audits | LPs | final audit, ms (median / max) "
        "| whole protection, ms (median / max) | narrowest sensitive interval | tables left exposed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k, runs in protected.items():

        def values(name: str, runs: list[dict] = runs) -> list[float]:
            return [run[name] for run in runs]

        widths = [width for width in values("narrowest_width") if not math.isnan(width)]
        narrowest = f"{min(widths):.0%} of its sum" if widths else "—"
        lines.append(
            f"| {k} | {np.mean(values('primary')):.1f} | {np.mean(values('secondary')):.1f} | "
            f"{np.mean(values('audits')):.1f} | {np.mean(values('lps')):.0f} | "
            f"{np.median(values('final_audit_ms')):.1f} / {max(values('final_audit_ms')):.1f} | "
            f"{np.median(values('total_ms')):.1f} / {max(values('total_ms')):.1f} | {narrowest} | "
            f"{sum(values('exposed'))} |"
        )
    lines.append("")
    lines.append("Counts, suppressions, audits and LPs are means per table.")
    return lines


def reading_lines(
    methods: list[Method],
    results: dict[int, SizeResults],
    ckp: dict[tuple[int, str], dict],
    protected: dict[int, list[dict]],
    reps: int,
) -> list[str]:
    """The plain-language reading, every figure in it taken from the tables above."""
    project = {n: at_n.trials[PROJECT] for n, at_n in results.items()}
    ours_through_ckp = np.concatenate([outcome["errors"] for (_, name), outcome in ckp.items() if name == CKP_OURS])
    ours = np.concatenate([trials.count_errors for trials in project.values()])
    # Two shares measured on the same pairs: their difference's standard error is at most √2 times one share's.
    noise = 2 * math.sqrt(2) * 50 / math.sqrt(reps)

    def p50s(trials: dict[int, Trials]) -> str:
        return " / ".join(f"{t.error('p50', 50):.1f}% ({t.error('p50', 90):.0f}%)" for t in trials.values())

    def gains(name: str) -> str:
        single, either = [], []
        for at_n in results.values():
            trials = at_n.trials[name]
            baseline = trials.hit_share("baseline")
            single.append(max(trials.hit_share(a) for a in ("a", "a_true_n", "b")) - baseline)
            either.append(trials.hit_share("best") - baseline)
        beyond = [f"{n:,}" for n, gain in zip(SIZES, single, strict=True) if gain > noise]
        verdict = f"beyond noise at n = {', '.join(beyond)}" if beyond else "nowhere beyond noise"
        pairs = " / ".join(f"{a:+.1f} ({b:+.1f})" for a, b in zip(single, either, strict=True))
        return f"{pairs} points: {verdict}"

    lines = [
        "",
        "## Reading",
        "",
        f"Figures are given in the order n = {' / '.join(f'{n:,}' for n in SIZES)}.",
        "",
        f"- **Accuracy.** The project's release moves the median by a median (90th percentile) {p50s(project)}: by "
        "design never less than 6.7% at n = 5 and never less than 1% anywhere. Rounding to 1,000 USD costs at most "
        f"{max(results[n].trials[ROUNDING].error(name, 90) for n in SIZES for name in SHOWN):.2f}% (90th percentile) "
        "at any n, but its counts say only which band n lies in.",
    ]
    for epsilon in EPSILONS:
        trials = {n: at_n.trials[dp_name(epsilon)] for n, at_n in results.items()}
        nearer = [n for n in SIZES if trials[n].error("p50", 50) < project[n].error("p50", 50)]
        count_errors = " / ".join(f"{np.median(t.count_errors):g}" for t in trials.values())
        lines.append(
            f"- **{dp_name(epsilon)}** misses the median by {p50s(trials)}; by the median error it is nearer the "
            "exact figure than the project's "
            + (f"from n = {nearer[0]:,}" if nearer else "at none of these sizes")
            + f". Its count is off by a median {count_errors} points and may be any integer, under 5 or negative."
        )
    lines += [
        "- **Counts.** The project's are off by at most 2 points (the p-table's range), median / 90th percentile "
        f"{np.median(ours):g} / {np.percentile(ours, 90):g} over all n, and never shown under {SIZES[0]}. The "
        "cell-key package with the same p-table: "
        f"{np.median(ours_through_ckp):g} / {np.percentile(ours_through_ckp, 90):g}. With the p-table it ships, "
        "cells under 10 vanish and the rest are rounded to 5.",
        "- **What the attacker gains over guessing x = p50_A**, in points of the share within 5% of x: the best "
        "single estimate ((a), (a) with the true counts or (b)) less the baseline, and in brackets the better of (a) "
        f"and (b), which takes two guesses; noise about ±{noise:.1f} points.",
    ]
    lines += [f"  - {method.name}: {gains(method.name)}." for method in methods]
    recovered = min(100 * sum(e < 0.005 for e in at_n.mean_attack_errors) / reps for at_n in results.values())
    lines += [
        f"  - With exact counts and an exact mean, x comes out to the cent in {recovered:.0f}% of pairs at every n: an "
        "exact mean or sum cannot be published beside exact counts of ranges that differ by one point, however the "
        "percentiles are rounded.",
        "- **Cost.** Per release: the project "
        + " / ".join(f"{at_n.microseconds[PROJECT]:,.0f}" for at_n in results.values())
        + " µs (numpy's exact percentiles alone: "
        + " / ".join(f"{at_n.microseconds[EXACT_PERCENTILES]:,.0f}" for at_n in results.values())
        + " µs); OpenDP at ε = 1 "
        + " / ".join(f"{at_n.microseconds[dp_name(1.0)] / 1000:.1f}" for at_n in results.values())
        + " ms. An LP audit of one protected table takes a median "
        + " / ".join(f"{np.median([run['final_audit_ms'] for run in runs]):.1f}" for runs in protected.values())
        + f" ms at k = {' / '.join(str(k) for k in protected)}, and finding its suppression pattern "
        + " / ".join(f"{np.median([run['total_ms'] for run in runs]):.0f}" for runs in protected.values())
        + " ms; a recompute would rerun it for every table that holds a changed cell.",
        "- **Not measured here.** Every point is its own contributor (survey records), so the contributor rules never "
        "bind in the samples. OpenDP's ε is per statistic and per release; a whole site of overlapping ranges "
        "recomputed daily would spend far more. The suppression audit is greedy on small synthetic tables, not "
        "tau-argus itself.",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2000, help="nested pairs per n (default: %(default)s)")
    parser.add_argument(
        "--seed", type=int, default=20261202, help="seed of the samples and keys (default: %(default)s)"
    )
    parser.add_argument("--tables", type=int, default=20, help="synthetic tables per shape (default: %(default)s)")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="Markdown report (default: %(default)s)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    dp.enable_features("contrib")
    rng = np.random.default_rng(args.seed)
    pool = load_segment(DATA_FILE)
    started = time.perf_counter()

    methods = [
        Method("exact figures (no control)", publish_exact, in_accuracy_table=False),
        Method(PROJECT, publish_project),
        Method(ROUNDING, publish_rounded, count_as_band=True),
    ]
    dp_scales = {}
    for epsilon in EPSILONS:
        publish, quantile_scale, count_scale = dp_publisher(epsilon)
        dp_scales[epsilon] = (quantile_scale, count_scale)
        methods.append(Method(dp_name(epsilon), publish))

    results = {}
    for n in SIZES:
        results[n] = run_pairs(pool, n, args.reps, rng, methods)
        print(f"n = {n:,}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    ptables = {CKP_BUNDLED: (generate_ptable_10_5_rule(), 10), CKP_OURS: (project_ptable(), 0)}
    ckp = {
        (n, name): ckp_counts(n, args.reps, ptable, threshold, rng)
        for n in SIZES
        for name, (ptable, threshold) in ptables.items()
    }
    protected = {
        rows * columns: [protect(synthetic_table(pool, rows, columns, rng)) for _ in range(args.tables)]
        for rows, columns in TABLE_SHAPES
    }
    elapsed = time.perf_counter() - started

    lines = [
        *header_lines(sys.argv[1:] if argv is None else argv, elapsed, pool, args),
        *method_lines(dp_scales),
        *accuracy_lines(methods, results),
        *attack_lines(methods, results, args.reps),
        *ckp_lines(ckp, results, args.reps),
        *suppression_lines(protected, args.tables),
        *reading_lines(methods, results, ckp, protected, args.reps),
    ]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.report} in {elapsed:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
