"""Lever's postings API export (`GET api.lever.co/v0/postings/{site}?mode=json`): a list of postings, each with
`id`, `text` (the title), `categories` (`location`, `commitment`), `country`, `workplaceType`, `description`
(HTML) and `salaryRange` (`min`, `max`, `currency`, `interval`: per-year-salary, per-month-salary,
per-week-salary, per-day-wage or per-hour-wage)."""

from collections.abc import Iterator
from pathlib import Path

from jobs.imports.json_file import json_rows
from jobs.imports.rows import (
    MAX_REF,
    ImportedPosting,
    RowProblem,
    amount,
    country_code,
    currency,
    level_of,
    place,
    text,
)
from jobs.models import EmploymentType, RemotePolicy
from salaries.importers.report import RowError
from salaries.money import PayPeriod

WHAT = "a Lever postings export"
INTERVALS = {
    "per-year-salary": PayPeriod.YEAR, "per-month-salary": PayPeriod.MONTH, "per-week-salary": PayPeriod.WEEK,
    "per-day-wage": PayPeriod.DAY, "per-hour-wage": PayPeriod.HOUR,
}  # fmt: skip
WORKPLACES = {"remote": RemotePolicy.REMOTE, "hybrid": RemotePolicy.HYBRID, "on-site": RemotePolicy.ONSITE,
              "onsite": RemotePolicy.ONSITE}  # fmt: skip
COMMITMENTS = {"full-time": EmploymentType.FULL_TIME, "full time": EmploymentType.FULL_TIME,
               "part-time": EmploymentType.PART_TIME, "part time": EmploymentType.PART_TIME,
               "contract": EmploymentType.CONTRACT, "contractor": EmploymentType.CONTRACT,
               "intern": EmploymentType.INTERNSHIP, "internship": EmploymentType.INTERNSHIP,
               "temporary": EmploymentType.TEMPORARY}  # fmt: skip


def parse_lever(path: Path, *, default_country: str | None = None) -> Iterator[tuple[int, ImportedPosting] | RowError]:
    return json_rows(path, what=WHAT, key="postings", parse_one=_posting, default_country=default_country)


def _posting(posting, default_country) -> ImportedPosting:
    if not isinstance(posting, dict):
        raise RowProblem(None, "not a posting object")
    categories = posting.get("categories") if isinstance(posting.get("categories"), dict) else {}
    ref = text(posting.get("id"), "id", max_length=MAX_REF, required=True)
    title = text(posting.get("text"), "text", max_length=200, required=True)
    location = text(categories.get("location"), "categories.location", max_length=300)
    country, city, remote = place(location, country_code(posting.get("country")) or default_country)
    workplace = str(posting.get("workplaceType") or "").strip().lower()
    remote = WORKPLACES.get(workplace, remote)
    salary = posting.get("salaryRange")
    if salary is not None and not isinstance(salary, dict):
        raise RowProblem("salaryRange", "not an object with min, max, currency and interval")
    # No range: a draft without pay (it can be published only where no pay-transparency law asks for one).
    salary = salary or {}
    interval = str(salary.get("interval") or "per-year-salary")
    if interval not in INTERVALS:
        raise RowProblem("salaryRange.interval", f"not a pay period: {interval[:30]!r}")
    commitment = str(categories.get("commitment") or "").strip().lower()
    description = text(posting.get("description") or posting.get("descriptionPlain"), "description",
                       max_length=100_000, markup=True)  # fmt: skip
    return ImportedPosting(
        source_ref=f"lever:{ref}"[:MAX_REF], title=title, country=country,
        city="" if remote == RemotePolicy.REMOTE else city, remote_policy=remote,
        employment_type=COMMITMENTS.get(commitment, EmploymentType.FULL_TIME),
        salary_min=amount(salary.get("min"), "salaryRange.min") if salary else None,
        salary_max=amount(salary.get("max"), "salaryRange.max") if salary else None,
        salary_currency=currency(salary.get("currency"), "salaryRange.currency") if salary else "",
        salary_period=INTERVALS[interval],
        description=description, level=level_of(categories.get("level")),
    )  # fmt: skip
