"""Greenhouse's job-board API export (`GET boards-api.greenhouse.io/v1/boards/{board}/jobs?content=true&pay_transparency=true`):
`{"jobs": [...]}`, each job with `id`, `title`, `location.name`, `content` (HTML, itself HTML-escaped) and
`pay_input_ranges` (`min_cents`, `max_cents`, `currency_type`; Greenhouse gives no period: annual). A level
comes from a `metadata` entry named Level or Seniority when there is one."""

import html
from collections.abc import Iterator
from pathlib import Path

from jobs.imports.json_file import json_rows
from jobs.imports.rows import MAX_REF, ImportedPosting, RowProblem, amount, currency, level_of, place, text
from salaries.importers.report import RowError

WHAT = "a Greenhouse job-board export"
LEVEL_KEYS = {"level", "seniority", "job level", "career level"}


def parse_greenhouse(
    path: Path, *, default_country: str | None = None
) -> Iterator[tuple[int, ImportedPosting] | RowError]:
    return json_rows(path, what=WHAT, key="jobs", parse_one=_job, default_country=default_country)


def _job(job, default_country) -> ImportedPosting:
    if not isinstance(job, dict):
        raise RowProblem(None, "not a job object")
    ref = text(job.get("id"), "id", max_length=MAX_REF, required=True)
    title = text(job.get("title"), "title", max_length=200, required=True)
    location = (job.get("location") or {}).get("name") if isinstance(job.get("location"), dict) else ""
    country, city, remote = place(text(location, "location", max_length=300), default_country)
    ranges = [r for r in (job.get("pay_input_ranges") or []) if isinstance(r, dict)]
    # No range: a draft without pay (it can be published only where no pay-transparency law asks for one).
    pay = ranges[0] if ranges else None
    low = amount(pay.get("min_cents"), "pay_input_ranges.min_cents", scale=100) if pay else None
    high = amount(pay.get("max_cents"), "pay_input_ranges.max_cents", scale=100) if pay else None
    level = ""
    for entry in job.get("metadata") or []:
        if isinstance(entry, dict) and str(entry.get("name", "")).strip().lower() in LEVEL_KEYS:
            level = level_of(entry.get("value"))
    content = html.unescape(text(job.get("content"), "content", max_length=100_000, markup=True))
    return ImportedPosting(
        source_ref=f"greenhouse:{ref}"[:MAX_REF], title=title, country=country, city=city, remote_policy=remote,
        salary_min=low, salary_max=high,
        salary_currency=currency(pay.get("currency_type"), "pay_input_ranges.currency_type") if pay else "",
        description=content, level=level,
    )  # fmt: skip
