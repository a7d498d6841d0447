"""A CSV of postings, one a line: `source_ref, title, country` and optionally the pay (`salary_min, salary_max,
salary_currency`, `salary_period`: YEAR by default), `pay_kind` (employer, the default when pay is given; estimate,
with `pay_source` saying whose; none, the default without pay), `level`, `role_family`, `city`, `remote_policy`,
`employment_type`, `description` (HTML, sanitised) and `benefits`. Lines are read one at a time
(salaries.importers.csv_lines): a bad line is rejected alone, with its number."""

from collections.abc import Iterator
from pathlib import Path

from jobs.imports.rows import (
    MAX_REF,
    ImportedPosting,
    RowProblem,
    amount,
    country_code,
    currency,
    level_of,
    role_of,
    text,
)
from jobs.models import EmploymentType, PayKind, RemotePolicy
from salaries.importers.csv_lines import read_csv_rows
from salaries.importers.report import RowError
from salaries.money import PayPeriod

REQUIRED = ["source_ref", "title", "country"]
PAY_COLUMNS = ("salary_min", "salary_max", "salary_currency")


def parse_csv(path: Path, *, default_country: str | None = None) -> Iterator[tuple[int, ImportedPosting] | RowError]:
    for item in read_csv_rows(path, columns=REQUIRED, what="a postings CSV"):
        if isinstance(item, RowError):
            yield item
            continue
        number, row = item
        try:
            yield number, _row(row, default_country)
        except RowProblem as problem:
            yield RowError(number, problem.field, problem.reason)


def _choice(row, name, choices, default):
    value = str(row.get(name) or "").strip().lower() or default
    if value not in choices:
        raise RowProblem(name, f"not one of {', '.join(choices)}: {value[:30]!r}")
    return value


def _row(row: dict, default_country) -> ImportedPosting:
    country = country_code(row["country"]) or (default_country if not row["country"].strip() else None)
    if not country:
        raise RowProblem("country", f"not a country: {row['country'][:30]!r}")
    period = (row.get("salary_period") or "").strip().upper() or PayPeriod.YEAR
    if period not in PayPeriod.values:
        raise RowProblem("salary_period", f"not one of {', '.join(PayPeriod.values)}: {period[:20]!r}")
    remote = _choice(row, "remote_policy", RemotePolicy.values, RemotePolicy.ONSITE)
    given = [name for name in PAY_COLUMNS if str(row.get(name) or "").strip()]
    kind = _choice(row, "pay_kind", PayKind.values, PayKind.EMPLOYER if given else PayKind.NONE)
    if kind == PayKind.NONE and given:
        raise RowProblem(given[0], "pay given on a line whose pay_kind is none")
    if kind != PayKind.NONE and len(given) < len(PAY_COLUMNS):
        missing = next(name for name in PAY_COLUMNS if name not in given)
        raise RowProblem(missing, "missing: a pay range needs salary_min, salary_max and salary_currency")
    source = text(row.get("pay_source"), "pay_source", max_length=200, required=kind == PayKind.ESTIMATE)
    paid = kind != PayKind.NONE
    return ImportedPosting(
        source_ref=text(row["source_ref"], "source_ref", max_length=MAX_REF, required=True),
        title=text(row["title"], "title", max_length=200, required=True),
        country=country,
        city="" if remote == RemotePolicy.REMOTE else text(row.get("city"), "city", max_length=100),
        remote_policy=remote,
        employment_type=_choice(row, "employment_type", EmploymentType.values, EmploymentType.FULL_TIME),
        salary_min=amount(row["salary_min"], "salary_min") if paid else None,
        salary_max=amount(row["salary_max"], "salary_max") if paid else None,
        salary_currency=currency(row["salary_currency"], "salary_currency") if paid else "",
        salary_period=period,
        pay_kind=kind,
        pay_source=source if kind == PayKind.ESTIMATE else "",
        description=text(row.get("description"), "description", max_length=100_000, markup=True),
        benefits=text(row.get("benefits"), "benefits", max_length=5_000),
        level=level_of(row.get("level")),
        role_family=role_of(row.get("role_family")),
    )
