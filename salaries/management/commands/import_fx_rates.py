"""Import the European Central Bank's euro reference rates (the ECB's CSV, or its zip) as ExchangeRate rows."""

import csv
import io
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from salaries.importers.ecb_rates import ParsedRate, parse_ecb_rows
from salaries.models import ExchangeRate
from salaries.money import currency_is_iso4217
from salaries.services import exchange_rates_upsert

SOURCE_MAX_LENGTH = ExchangeRate._meta.get_field("source").max_length
DEFAULT_SOURCE = "European Central Bank euro foreign exchange reference rates ({name})"
# ExchangeRate.rate_to_usd holds 10 decimal places in 20 digits; the parser rounds to those places.
STORABLE_RATE = (Decimal("1e-10"), Decimal("1e10"))
# What the ECB writes where it published no rate; an empty cell means the same.
NOT_AVAILABLE = {"N/A", ""}


@dataclass
class FileCheck:
    """What a pass over the file found, before any rate is written: the basis of the summary."""

    rows: int = 0
    first_day: date | None = None
    last_day: date | None = None
    days_without_usd: list[date] = field(default_factory=list)
    not_available: Counter = field(default_factory=Counter)  # currency -> days quoted N/A (or blank)
    unreadable: Counter = field(default_factory=Counter)  # currency -> cells that are not a positive number
    unreadable_examples: list[str] = field(default_factory=list)
    unstorable: Counter = field(default_factory=Counter)  # currency -> rates that round to 0 or exceed 20 digits


@dataclass
class Outcome:
    new: int = 0
    rate_changed: int = 0
    source_changed: int = 0  # same rate, different source text
    unchanged: int = 0

    @property
    def updated(self) -> int:
        return self.rate_changed + self.source_changed


class Command(BaseCommand):
    help = (
        "Import the ECB's euro foreign exchange reference rates (eurofxref-hist.csv, or the .zip the ECB "
        "distributes) as rates to USD. Idempotent: rates already stored with the same value are left alone. "
        "All or nothing: a file not in the ECB layout imports no rate."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="An ECB reference-rate CSV, or a .zip holding one.")
        parser.add_argument(
            "--source",
            help=f"Where the rates come from, stored on each rate (default: {DEFAULT_SOURCE.format(name='<file name>')!r}).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rates written per upsert call (default: 5000)."
        )

    def handle(self, *args, file: Path, source: str | None, batch_size: int, **options):
        started = time.perf_counter()
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        source = source if source is not None else DEFAULT_SOURCE.format(name=file.name)
        if not source.strip() or len(source) > SOURCE_MAX_LENGTH:
            raise CommandError(f"--source must be between 1 and {SOURCE_MAX_LENGTH} characters.")

        text, name = read_csv_text(file)
        check = check_ecb_layout(text, name)
        try:
            parsed = list(parse_ecb_rows(io.StringIO(text, newline="")))
        except (ValueError, ArithmeticError) as error:  # the parser's refusal; check_ecb_layout should catch it first
            raise CommandError(f"{name}: {error}") from error
        rates = [r for r in parsed if _storable(r)]
        check.unstorable = Counter(r.currency for r in parsed if not _storable(r))

        with self._progress(len(rates)) as advance, transaction.atomic():
            outcome, to_write = _compare_with_stored(rates, source)
            for start in range(0, len(to_write), batch_size):
                batch = to_write[start : start + batch_size]
                exchange_rates_upsert(rates=batch, source=source)
                advance(len(batch))
            advance(outcome.unchanged)

        self._summarise(name, check, rates, outcome, source, time.perf_counter() - started)

    def _progress(self, total: int):
        """A rich progress bar on a terminal; nothing at all when output goes to a file or a pipe."""
        if not self.stdout.isatty():
            return _NoProgress()
        from rich.progress import Progress

        return _RichProgress(Progress(transient=False), total)

    def _summarise(self, name, check: FileCheck, rates, outcome: Outcome, source, seconds):
        currencies = sorted({r.currency for r in rates})
        dates = [r.date for r in rates]
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Imported {name}: {len(rates):,} rates - {outcome.new:,} new, {outcome.updated:,} updated, "
                f"{outcome.unchanged:,} already stored unchanged ({seconds:.1f} s)."
            )
        )
        days = f"{check.first_day} to {check.last_day}" if check.rows else "none"
        if outcome.updated:
            write(
                f"  updated:     {outcome.rate_changed:,} with a different rate, "
                f"{outcome.source_changed:,} with the same rate but another source text"
            )
        write(f"  rows read:   {check.rows:,} (days {days})")
        if rates:
            write(f"  rates dated: {min(dates)} to {max(dates)}")
        write(f"  currencies:  {len(currencies)} ({', '.join(currencies) or 'none'})")
        write(f"  source:      {source}")
        if check.days_without_usd:
            shown = ", ".join(d.isoformat() for d in check.days_without_usd[:5])
            more = " ..." if len(check.days_without_usd) > 5 else ""
            write(
                f"  skipped {len(check.days_without_usd):,} rows (whole days) with no USD rate, "
                f"so no currency can be converted that day: {shown}{more}"
            )
        if check.not_available:
            write(
                f"  skipped {sum(check.not_available.values()):,} currency-days quoted N/A "
                f"(no ECB rate that day): {_counts(check.not_available)}"
            )
        if check.unreadable:
            write(
                f"  skipped {sum(check.unreadable.values()):,} cells that are not a positive number: "
                f"{_counts(check.unreadable)}; e.g. {'; '.join(check.unreadable_examples)}"
            )
        if check.unstorable:
            write(
                f"  skipped {sum(check.unstorable.values()):,} rates that round to zero at 10 decimal places "
                f"or are 10 billion USD or more: {_counts(check.unstorable)}"
            )
        if not (check.days_without_usd or check.not_available or check.unreadable or check.unstorable):
            write("  skipped:     nothing")
        retired = [c for c in currencies if not currency_is_iso4217(c)]
        if retired:
            write(
                f"  not current ISO 4217 codes (stored as the ECB published them, but rate_on refuses them): "
                f"{', '.join(retired)}"
            )


def read_csv_text(path: Path) -> tuple[str, str]:
    """The CSV's text, and a name for messages (`archive.zip:member.csv` for a zip)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
                if len(members) != 1:
                    found = ", ".join(m.filename for m in members) or "none"
                    raise CommandError(
                        f"{path.name}: the zip must hold exactly one .csv file (found {len(members)}: {found})."
                    )
                raw, name = archive.read(members[0]), f"{path.name}:{members[0].filename}"
        else:
            raw, name = path.read_bytes(), path.name
    except (zipfile.BadZipFile, OSError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    try:
        return raw.decode("utf-8-sig"), name
    except UnicodeDecodeError as error:
        raise CommandError(f"{name} is not UTF-8 text, so not an ECB reference-rate CSV.") from error


def check_ecb_layout(text: str, name: str) -> FileCheck:
    """Refuse anything not in the ECB layout (with the line at fault), and count what the parser will skip."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise CommandError(f"{name} is empty; an ECB reference-rate CSV starts with a Date,USD,... header.")
    missing = [column for column in ("Date", "USD") if column not in header]
    if missing:
        raise CommandError(
            f"{name} is not an ECB reference-rate CSV: no {' or '.join(missing)} column "
            f"(header: {','.join(header)[:120]!r})."
        )
    columns = [column.strip().upper() for column in header]
    for column in columns:
        if column and column != "DATE" and not (len(column) == 3 and column.isascii() and column.isalpha()):
            raise CommandError(f"{name}: column {column!r} is not a three-letter currency code.")
    duplicates = sorted(c for c, n in Counter(c for c in columns if c).items() if n > 1)
    if duplicates:
        raise CommandError(f"{name}: column(s) {', '.join(duplicates)} appear more than once.")

    date_at, usd_at = header.index("Date"), header.index("USD")
    check, seen = FileCheck(), {}
    for cells in reader:
        if not cells:
            continue  # csv.DictReader, hence the parser, skips blank lines too
        line = reader.line_num
        check.rows += 1
        raw_day = cells[date_at].strip() if date_at < len(cells) else ""
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise CommandError(f"{name}, line {line}: {raw_day!r} is not a date (YYYY-MM-DD).") from None
        if day in seen:
            raise CommandError(f"{name}, line {line}: {day} already appears on line {seen[day]}.")
        seen[day] = line
        check.first_day = min(check.first_day or day, day)
        check.last_day = max(check.last_day or day, day)
        if not _is_rate(cells[usd_at] if usd_at < len(cells) else "", f"{name}, line {line}, USD"):
            check.days_without_usd.append(day)
            continue
        for index, currency in enumerate(columns):
            if not currency or index in (date_at, usd_at):
                continue
            value = cells[index].strip() if index < len(cells) else ""
            if value.upper() in NOT_AVAILABLE:
                check.not_available[currency] += 1
            elif not _is_rate(value, f"{name}, line {line}, {currency}"):
                check.unreadable[currency] += 1
                if len(check.unreadable_examples) < 3:
                    check.unreadable_examples.append(f"line {line} {currency} {value!r}")
    return check


def _is_rate(value: str, where: str) -> bool:
    """Whether the parser will take this cell as a rate (a positive number); it skips anything else."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return False
    if not number.is_finite():
        raise CommandError(f"{where}: {value.strip()!r} is not an exchange rate.")
    return number > 0


def _storable(rate: ParsedRate) -> bool:
    return STORABLE_RATE[0] <= rate.rate_to_usd < STORABLE_RATE[1]


def _compare_with_stored(rates: list[ParsedRate], source: str) -> tuple[Outcome, list[ParsedRate]]:
    """Split the file's rates into new, changed (rate or source) and unchanged; only the first two are written."""
    outcome, to_write = Outcome(), []
    if not rates:
        return outcome, to_write
    stored = {
        (currency, day): (rate, stored_source)
        for currency, day, rate, stored_source in ExchangeRate.objects.filter(
            currency__in={r.currency for r in rates},
            date__range=(min(r.date for r in rates), max(r.date for r in rates)),
        )
        .values_list("currency", "date", "rate_to_usd", "source")
        .iterator(chunk_size=10_000)
    }
    for rate in rates:
        previous = stored.get((rate.currency, rate.date))
        if previous is None:
            outcome.new += 1
        elif previous[0] != rate.rate_to_usd:
            outcome.rate_changed += 1
        elif previous[1] != source:
            outcome.source_changed += 1
        else:
            outcome.unchanged += 1
            continue
        to_write.append(rate)
    return outcome, to_write


def _counts(counter: Counter, shown: int = 8) -> str:
    parts = [f"{currency} {count:,}" for currency, count in counter.most_common(shown)]
    if len(counter) > shown:
        parts.append(f"and {len(counter) - shown} more")
    return ", ".join(parts)


class _NoProgress:
    def __enter__(self):
        return lambda n: None

    def __exit__(self, *exc):
        return False


class _RichProgress:
    def __init__(self, progress, total: int):
        self.progress, self.total = progress, total

    def __enter__(self):
        self.progress.__enter__()
        task = self.progress.add_task("Importing exchange rates", total=self.total)
        return lambda n: self.progress.update(task, advance=n)

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)
