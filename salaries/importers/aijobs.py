"""Parse the ai-jobs.net salary CSV: one row per person, salary as reported and the publisher's USD figure.

Columns: work_year, experience_level (EN/MI/SE/EX), employment_type (FT/PT/CT/FL), job_title, salary,
salary_currency, salary_in_usd, employee_residence, remote_ratio (0/50/100), company_location,
company_size (S/M/L). Every row either becomes an `ObservationRow` or is rejected with its reason;
nothing is guessed.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry

from salaries.importers.csv_lines import read_csv_rows
from salaries.importers.report import RowError
from salaries.money import currency_is_iso4217
from salaries.taxonomy import Level, SizeBand
from salaries.titles import Confidence, normalise_title

COLUMNS = [
    "work_year",
    "experience_level",
    "employment_type",
    "job_title",
    "salary",
    "salary_currency",
    "salary_in_usd",
    "employee_residence",
    "remote_ratio",
    "company_location",
    "company_size",
]
EXPERIENCE_TO_LEVEL = {"EN": Level.JUNIOR, "MI": Level.MID, "SE": Level.SENIOR, "EX": Level.DIRECTOR}
EMPLOYMENT_TYPES = {"FT", "PT", "CT", "FL"}
# ai-jobs.net's bands: S fewer than 50 employees, M 50–250, L more than 250. Small firms are filed
# with startups, the nearest band this product has; the raw letter is not kept separately.
COMPANY_SIZES = {"S": SizeBand.STARTUP, "M": SizeBand.MID_SIZE, "L": SizeBand.LARGE}
MAX_TITLE = 200  # SalaryObservation.job_title's length: a longer title is refused, never cut
# Money columns hold 12 digits before the point (max_digits 14, 2 places): anything larger cannot be a salary.
LARGEST_AMOUNT = Decimal(10) ** 12


@dataclass(frozen=True)
class ObservationRow:
    line: int
    external_key: str
    work_year: int
    job_title: str
    role_family: str
    level: str
    experience_level: str
    employment_type: str
    country: str
    employee_residence: str
    remote_ratio: int
    company_size: str
    salary: Decimal
    salary_currency: str
    publisher_salary_usd: Decimal | None


class _Invalid(Exception):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason


def read_rows(path: Path) -> Iterator[ObservationRow | RowError]:
    """Yield each physical line after the header as an ObservationRow or a RowError, in file order
    (salaries.importers.csv_lines: one bad line never costs another). Bytes that are not UTF-8 reject only
    their own row."""
    seen: dict[str, int] = {}
    for item in read_csv_rows(path, columns=COLUMNS, what="an ai-jobs salary file"):
        if isinstance(item, RowError):
            yield item
            continue
        line, row = item
        try:
            yield _parse(line, row, seen)
        except _Invalid as invalid:
            yield RowError(line, invalid.field, invalid.reason)


def _parse(line: int, row: dict, seen: dict[str, int]) -> ObservationRow:
    if None in row or any(value is None for value in row.values()):
        raise _Invalid(None, "wrong number of columns")
    for name, value in row.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            raise _Invalid(name, "not valid UTF-8 text")
    values = [row[c].strip() for c in COLUMNS]
    # Identical rows are separate respondents: the key counts occurrences, so a re-import of the same
    # file maps each row onto the same observation, and a reordered file does too.
    digest = hashlib.sha1("\x1f".join(values).encode()).hexdigest()
    seen[digest] = seen.get(digest, 0) + 1
    external_key = f"{digest}-{seen[digest]}"

    year = _integer(row["work_year"], "work_year")
    if not 2000 <= year <= 2100:
        raise _Invalid("work_year", f"year {year} is out of range")
    experience = row["experience_level"].strip().upper()
    if experience not in EXPERIENCE_TO_LEVEL:
        raise _Invalid("experience_level", f"unknown experience level {experience!r} (expected EN, MI, SE or EX)")
    employment = row["employment_type"].strip().upper()
    if employment not in EMPLOYMENT_TYPES:
        raise _Invalid("employment_type", f"unknown employment type {employment!r}")
    title = row["job_title"].strip()
    if not title:
        raise _Invalid("job_title", "empty job title")
    if len(title) > MAX_TITLE:
        raise _Invalid("job_title", f"job title longer than {MAX_TITLE} characters")
    salary = _decimal(row["salary"], "salary")
    if salary <= 0:
        raise _Invalid("salary", f"salary must be positive, got {salary}")
    currency = row["salary_currency"].strip().upper()
    if not currency_is_iso4217(currency):
        raise _Invalid("salary_currency", f"unknown currency {currency!r}")
    publisher_usd = _decimal(row["salary_in_usd"], "salary_in_usd") if row["salary_in_usd"].strip() else None
    remote = _integer(row["remote_ratio"], "remote_ratio")
    if remote not in (0, 50, 100):
        raise _Invalid("remote_ratio", f"remote ratio must be 0, 50 or 100, got {remote}")
    size = row["company_size"].strip().upper()
    if size not in COMPANY_SIZES:
        raise _Invalid("company_size", f"unknown company size {size!r} (expected S, M or L)")
    match = normalise_title(title)
    return ObservationRow(
        line=line,
        external_key=external_key,
        work_year=year,
        job_title=title,
        role_family=match.role_family,
        # A clear level in the title ("Staff", "Lead", "Principal") is more specific than the survey's four
        # bands; a weak one ("Manager", grade IV) is not, and the respondent's own band wins.
        level=match.level
        if match.level and match.level_confidence != Confidence.LOW
        else EXPERIENCE_TO_LEVEL[experience],
        experience_level=experience,
        employment_type=employment,
        country=_country(row["company_location"], "company_location"),
        employee_residence=_country(row["employee_residence"], "employee_residence"),
        remote_ratio=remote,
        company_size=COMPANY_SIZES[size],
        salary=salary,
        salary_currency=currency,
        publisher_salary_usd=publisher_usd,
    )


def _integer(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise _Invalid(field, f"not a whole number: {value!r}") from None


def _decimal(value: str, field: str) -> Decimal:
    try:
        number = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        raise _Invalid(field, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise _Invalid(field, f"not a number: {value!r}")
    if abs(number) >= LARGEST_AMOUNT:
        raise _Invalid(field, f"too large: {value.strip()[:40]!r} (amounts are below {LARGEST_AMOUNT:,})")
    return number


def _country(value: str, field: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise _Invalid(field, f"not an ISO 3166-1 alpha-2 country code: {value!r}")
    return code
