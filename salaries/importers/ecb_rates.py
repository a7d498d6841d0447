"""Parse the European Central Bank's euro reference-rate CSV.

Layout: a `Date` column, then one column per currency giving units of that currency per EUR,
`N/A` where the ECB published no rate. Every currency (EUR included) becomes a rate to USD:
rate_to_usd(C) = (USD per EUR) / (C per EUR).
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

BUNDLED_RATES = Path(__file__).resolve().parent.parent / "data" / "ecb_eurofxref_monthly.csv"
BUNDLED_SOURCE = (
    "European Central Bank euro foreign exchange reference rates "
    "(first business day of each month 2020-01 to 2026-10, and 2026-10-30)"
)


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
