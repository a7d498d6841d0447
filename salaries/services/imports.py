"""Imports started from the admin: the uploaded file is kept, a task on the `imports` queue runs the same
import service the management commands run, and the job row shows progress, the summary and the rejected rows.

A job is claimed by compare-and-set (queued → running with a fresh claim), so a repeated or duplicated task
message runs it once. The importers are idempotent, so a job whose worker died mid-run can be queued again
(`import_job_requeue`) and runs to the same result."""

import io
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from salaries.importers.report import ImportFileError
from salaries.models import ImportJob, ImportKind, ImportStatus

logger = logging.getLogger(__name__)


def import_job_create(*, kind: str, upload, user, release: str = "", published_on=None, year=None) -> ImportJob:
    from salaries.tasks import run_import_task

    job = ImportJob(kind=kind, release=release, published_on=published_on, year=year, created_by=user)
    job.file.save(Path(upload.name).name, upload, save=False)
    job.rows_total = max(0, sum(1 for _ in job.file.open("rb")) - 1)
    job.file.close()
    job.save()
    transaction.on_commit(lambda: run_import_task.delay(job.pk))
    return job


def import_job_requeue(*, job: ImportJob) -> bool:
    """Queue a failed job, or one stuck running (its worker died), again."""
    from salaries.tasks import run_import_task

    moved = ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.FAILED, ImportStatus.RUNNING]).update(
        status=ImportStatus.QUEUED, claim="", error=""
    )
    if moved:
        transaction.on_commit(lambda: run_import_task.delay(job.pk))
    return bool(moved)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run one queued job; None when another run holds it or it is done."""
    claim = uuid.uuid4().hex
    taken = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, claim=claim, started_at=timezone.now(), rows_read=0
    )
    if not taken:
        return None
    job = ImportJob.objects.get(pk=job_id)
    path = Path(job.file.path)
    try:
        summary, report_path = _run(job, path, claim)
    except Exception as error:  # noqa: BLE001 - whatever stopped it is shown on the job, which can be queued again
        if not isinstance(error, ImportFileError | OSError | ValueError | CommandError):
            logger.exception("Import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id, claim=claim).update(
            status=ImportStatus.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id, claim=claim).update(
        status=ImportStatus.DONE, summary=summary, report_path=str(report_path or ""), finished_at=timezone.now(),
        rows_read=summary.get("rows_read", job.rows_total),
    )  # fmt: skip
    job = ImportJob.objects.get(pk=job_id)
    _audit(job)
    return job


def _progress(job_id: int, claim: str):
    read = 0

    def advance(rows: int) -> None:
        nonlocal read
        read += rows
        ImportJob.objects.filter(pk=job_id, claim=claim).update(rows_read=read)

    return advance


def _run(job: ImportJob, path: Path, claim: str) -> tuple[dict, Path | None]:
    from salaries.services.benchmarks import benchmarks_import_oews
    from salaries.services.observations import salary_observations_import_aijobs

    release = job.release or path.stem
    if job.kind == ImportKind.EXCHANGE_RATES_ECB:
        out = io.StringIO()
        call_command("import_fx_rates", str(path), stdout=out)
        return {"output": out.getvalue().strip().splitlines()}, None
    if job.kind == ImportKind.SURVEY_AIJOBS:
        report = salary_observations_import_aijobs(
            path=path, release_version=release, published_on=job.published_on, on_progress=_progress(job.pk, claim)
        )
    elif job.kind == ImportKind.BENCHMARK_OEWS:
        if not job.year:
            raise ValueError("An OEWS file needs its survey year.")
        _, report = benchmarks_import_oews(
            path=path, release_version=release, year=job.year, published_on=job.published_on
        )
    else:
        raise ValueError(f"Unknown import kind {job.kind!r}.")
    report_path = report.write(Path(settings.VAR_DIR) / "import-reports" / f"{job.kind}-{job.pk}.csv")
    return {
        "text": report.summary(),
        "rows_read": report.rows_read,
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "rejections_by_reason": report.rejection_counts(),
        "release": report.release,
        "seconds": round(report.seconds, 1),
    }, report_path


def _audit(job: ImportJob) -> None:
    from jobs.audit import audit_record
    from jobs.models import AuditAction

    audit_record(
        action=AuditAction.IMPORT_FINISHED, obj=job, actor=job.created_by,
        changes={name: [None, job.summary[name]] for name in ("imported", "updated", "rejected") if name in job.summary},
        note=job.summary.get("text", ""),
    )  # fmt: skip
