"""Import individual salary records (survey observations) that feed the market ranges."""

import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from config.errors import DomainError
from insights.segments import segments_for_observation
from insights.services import market_ranges_schedule_drain, segments_mark_dirty
from salaries.importers import aijobs
from salaries.importers.report import ImportReport, RowError
from salaries.models import BenchmarkRelease, BenchmarkSource, SalaryObservation, SourceKind
from salaries.money import Rate, check_plausible_annual_usd, rate_on, to_usd

AIJOBS_SOURCE = {
    "publisher": "ai-jobs.net",
    "title": "AI, ML and data science salaries (ai-jobs.net salary survey)",
    "kind": SourceKind.SALARY_SURVEY,
    "url": "https://ai-jobs.net/salaries/",
    "citation": "ai-jobs.net salary data, repository foorilla/ai-jobs-net-salaries",
    "licence": "CC0 1.0",
}
AIJOBS_SLUG = "ai-jobs-net-salaries"

# Fields recomputed from a row on every import; a re-import that changes none of them is "unchanged".
DERIVED_FIELDS = [
    "work_year", "job_title", "role_family", "level", "experience_level", "employment_type", "country",
    "employee_residence", "remote_ratio", "company_size", "salary", "salary_currency", "salary_usd",
    "publisher_salary_usd", "fx_rate_to_usd", "fx_rate_date",
]  # fmt: skip


def observation_conversion_date(work_year: int) -> date:
    """Survey rows give only a year; the middle of that year stands for it (1 July)."""
    return date(work_year, 7, 1)


def salary_observations_import_aijobs(
    *,
    path: Path,
    release_version: str,
    published_on: date | None = None,
    batch_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
    source_slug: str = AIJOBS_SLUG,
    source_fields: dict | None = None,
) -> ImportReport:
    """Import a salary CSV in the ai-jobs.net layout. Idempotent, transactional per batch, every rejection
    reported. The source is ai-jobs.net's survey unless another is named (`source_slug` and its
    `source_fields`: publisher, title, …), so a file in the same layout from elsewhere is credited to its own
    source. Importing a file again under a new release moves its records to that release."""
    if source_slug != AIJOBS_SLUG and not (source_fields or {}).get("title"):
        raise DomainError("Say what the source is: its title and publisher.", field="source_title", code="required")
    started = time.monotonic()
    path = Path(path)
    report = ImportReport(source=source_slug, file=path.name, release=release_version)
    defaults = AIJOBS_SOURCE if source_slug == AIJOBS_SLUG else {"kind": SourceKind.SALARY_SURVEY, **source_fields}
    source, _ = BenchmarkSource.objects.update_or_create(slug=source_slug, defaults=defaults)
    release, _ = BenchmarkRelease.objects.update_or_create(
        source=source, version=release_version, defaults={"published_on": published_on, "file_name": path.name}
    )
    rates: dict[tuple[str, int], Rate | DomainError] = {}
    batch: list[tuple[int, SalaryObservation]] = []
    try:
        for item in aijobs.read_rows(path):
            report.rows_read += 1
            if isinstance(item, RowError):
                report.rejected.append(item)
            else:
                observation = _observation(item, source, release, rates, report)
                if observation is not None:
                    batch.append((item.line, observation))
            if len(batch) >= batch_size:
                _write_batch_or_rows(source, batch, report)
                batch = []
            if on_progress and report.rows_read % 1000 == 0:
                on_progress(1000)
        if batch:
            _write_batch_or_rows(source, batch, report)
        if on_progress:
            on_progress(report.rows_read % 1000)
    finally:
        # Whatever committed is recomputed, even if something unforeseen stops the import part way.
        market_ranges_schedule_drain()
    report.seconds = time.monotonic() - started
    return report


def _observation(row, source, release, rates, report) -> SalaryObservation | None:
    cache_key = (row.salary_currency, row.work_year)
    if cache_key not in rates:
        try:
            rates[cache_key] = rate_on(row.salary_currency, observation_conversion_date(row.work_year))
        except DomainError as error:
            rates[cache_key] = error
    rate = rates[cache_key]
    if isinstance(rate, DomainError):
        report.reject(row.line, "salary_currency", rate.message)
        return None
    salary_usd = to_usd(row.salary, rate)
    try:
        check_plausible_annual_usd(salary_usd, field="salary")
    except DomainError as error:
        report.reject(row.line, "salary", error.message)
        return None
    return SalaryObservation(
        release=release,
        source=source,
        external_key=row.external_key,
        work_year=row.work_year,
        job_title=row.job_title,
        role_family=row.role_family,
        level=row.level,
        experience_level=row.experience_level,
        employment_type=row.employment_type,
        country=row.country,
        employee_residence=row.employee_residence,
        remote_ratio=row.remote_ratio,
        company_size=row.company_size,
        salary=row.salary,
        salary_currency=row.salary_currency,
        salary_usd=salary_usd,
        publisher_salary_usd=row.publisher_salary_usd,
        fx_rate_to_usd=rate.rate_to_usd,
        fx_rate_date=rate.date,
    )


def _write_batch_or_rows(source: BenchmarkSource, batch: list[tuple[int, SalaryObservation]], report) -> None:
    """Write a batch in one transaction; if the database refuses it, write its rows one by one, so only the rows
    it refuses are rejected (with their line and the database's reason) and the rest import."""
    try:
        _write_batch(source, [observation for _, observation in batch], report)
    except DatabaseError:
        for line, observation in batch:
            try:
                _write_batch(source, [observation], report)
            except DatabaseError as error:
                report.reject(line, None, f"refused by the database: {str(error).splitlines()[0][:200]}")


def _write_batch(source: BenchmarkSource, batch: list[SalaryObservation], report: ImportReport) -> None:
    """Insert new observations and refresh changed ones, all or nothing, marking their segments."""
    with transaction.atomic():
        existing = {
            o.external_key: o
            for o in SalaryObservation.objects.filter(source=source, external_key__in=[b.external_key for b in batch])
        }
        new, changed, keys = [], [], set()
        for observation in batch:
            old = existing.get(observation.external_key)
            if old is None:
                new.append(observation)
                keys |= _segment_keys(observation)
                continue
            derived = any(_same(getattr(old, f), getattr(observation, f)) is False for f in DERIVED_FIELDS)
            if not derived and old.release_id == observation.release_id:
                continue
            if derived:  # a record moved to a new release alone counts the same: no segment to recompute
                keys |= _segment_keys(old) | _segment_keys(observation)
            for name in DERIVED_FIELDS:
                setattr(old, name, getattr(observation, name))
            old.release_id = observation.release_id
            changed.append(old)
        SalaryObservation.objects.bulk_create(new, batch_size=1000)
        now = timezone.now()
        for observation in changed:
            observation.updated_at = now  # bulk_update leaves auto_now fields alone
        SalaryObservation.objects.bulk_update(changed, [*DERIVED_FIELDS, "release", "updated_at"], batch_size=500)
        segments_mark_dirty(keys=keys, schedule=False)
    report.imported += len(new)
    report.updated += len(changed)
    report.unchanged += len(batch) - len(new) - len(changed)


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return a == b


def _segment_keys(observation: SalaryObservation) -> set[str]:
    return {segment.key for segment in segments_for_observation(observation)}
