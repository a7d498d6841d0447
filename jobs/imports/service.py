"""Writing parsed postings: `postings_import` takes a parser's rows and creates or updates the company's drafts
through the posting services, so every rule of a posting typed in by hand holds (plausible pay, markup,
pay-transparency at submit, the audit trail).

- Idempotent by `source_ref` (the ATS's own id, prefixed by the format): a row whose posting exists already is
  an update when something changed (posting_update: a material change to a published posting sends it back to
  review) and unchanged otherwise; a closed, filled or expired posting is left as it is.
- Batches of `batch_size` rows in one transaction each; every row on its own savepoint, so a row the services
  refuse is rejected with its line and reason and the rest of the batch still commits.
- A title whose level cannot be read takes the file's level when it gives one; else the draft keeps an empty
  level for the employer to set (it cannot be submitted without one), never a guess.
"""

import time
from collections.abc import Callable, Iterable

import nh3
from django.db import transaction

from config.errors import DomainError
from jobs.audit import audit_via
from jobs.imports.csv_postings import parse_csv
from jobs.imports.greenhouse import parse_greenhouse
from jobs.imports.lever import parse_lever
from jobs.imports.rows import ImportedPosting
from jobs.models import Company, JobPosting
from jobs.services import EDITABLE, posting_create, posting_update
from salaries.importers.report import ImportReport, RowError

PARSERS = {"greenhouse": parse_greenhouse, "lever": parse_lever, "csv": parse_csv}
BATCH_SIZE = 100


def _same(posting: JobPosting, data: dict) -> bool:
    """Whether the stored posting already says what the row says (its description as the services store it)."""
    stored = {**data, "description": nh3.clean(data.get("description") or "")}
    return all(getattr(posting, name) == value for name, value in stored.items())


def _write(company: Company, user, row: ImportedPosting, report: ImportReport, line: int) -> None:
    data = row.data()
    existing = JobPosting.objects.filter(company=company, source_ref=row.source_ref).first()
    if existing is None:
        posting_create(company=company, user=user, data=data, level_may_wait=True)
        report.imported += 1
        if not JobPosting.objects.filter(company=company, source_ref=row.source_ref).values_list("level", flat=True)[0]:
            report.incomplete += 1
        return
    if existing.status not in EDITABLE or _same(existing, data):
        report.unchanged += 1
        return
    posting_update(posting=existing, user=user, data=data)
    report.updated += 1


def postings_import(
    *, company: Company, user, rows: Iterable, file: str, source: str, batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:  # fmt: skip
    """Import a parser's rows for `company` as `user` (one of its members). Returns the report."""
    started = time.perf_counter()
    report = ImportReport(source=source, file=file)
    batch: list = []

    def flush():
        with transaction.atomic(), audit_via(f"import:{source}"):
            for item in batch:
                if isinstance(item, RowError):
                    report.rejected.append(item)
                    continue
                line, row = item
                try:
                    with transaction.atomic():
                        _write(company, user, row, report, line)
                except DomainError as error:
                    report.reject(line, error.field, error.message)
        if on_progress:
            on_progress(len(batch))
        batch.clear()

    for item in rows:
        report.rows_read += 1
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    report.seconds = time.perf_counter() - started
    return report


def postings_import_file(*, company: Company, user, path, format: str, default_country: str | None = None,
                         on_progress=None) -> ImportReport:  # fmt: skip
    """Parse `path` in `format` (greenhouse, lever or csv) and import it. ImportFileError when the file as a
    whole cannot be read (nothing is imported)."""
    rows = PARSERS[format](path, default_country=default_country)
    return postings_import(company=company, user=user, rows=rows, file=str(getattr(path, "name", path)),
                           source=format, on_progress=on_progress)  # fmt: skip
