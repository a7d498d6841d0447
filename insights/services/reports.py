"""Insight reports: asking for one, generating it, regenerating it, and the weekly public overviews.

A request for a report whose inputs have not changed since one was built is answered with that report: the
same kind and normalised parameters (`parameters_key`) and the same inputs fingerprint
(insights.reports.kinds.fingerprint: the ranges it reads, by count and newest computed_at, their newest
snapshot day, and for company reports the companies' postings). Any recompute of a range it reads makes it
stale; asked for again, a new one is built.

Generation claims the report with a compare-and-set on its status (pending, or running for longer than a
task may run: a worker killed mid-report), so two runs of the task, or a redelivered message, build it once.
"""

import logging
import uuid
from datetime import timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from insights.models import InsightReport, ReportKind, ReportStatus
from insights.reports import charts, kinds
from salaries.taxonomy import RoleFamily

logger = logging.getLogger(__name__)

# Longer than the generating task's hard time limit (insights.tasks): a report still `running` after this was
# left by a worker that died, and may be claimed again.
STALE_RUN = timedelta(minutes=12)
TRANSIENT = (OperationalError, InterfaceError)


def report_request(*, user, kind: str, parameters, public: bool = False) -> tuple[InsightReport, bool]:
    """The report for this kind and these parameters: an existing one while its inputs are unchanged (True),
    else a new one, generated after commit on the `reports` queue (False). Raises ReportInputError naming the
    parameter at fault."""
    if kind not in ReportKind.values:
        raise kinds.ReportInputError(f"Not one of: {', '.join(ReportKind.values)}.", field="kind",
                                     code="invalid_choice")  # fmt: skip
    cleaned = kinds.clean(kind, parameters, user=user)
    key = kinds.parameters_key(kind, cleaned)
    fingerprint, as_of = kinds.fingerprint(kind, cleaned)
    owner = user if user is not None and user.is_authenticated else None
    company = _company_of(kind, cleaned)

    same = InsightReport.objects.filter(parameters_key=key, inputs_fingerprint=fingerprint).exclude(
        status=ReportStatus.FAILED
    )
    mine = same.filter(Q(is_public=True) if public else Q(owner=owner)).first()
    if mine is not None:
        return mine, True
    built = same.filter(status=ReportStatus.DONE).order_by("-finished_at").first()
    if built is not None and (built.is_public and not public):
        return built, True  # a public report answers anyone's request
    with transaction.atomic():
        report = InsightReport.objects.create(
            kind=kind, parameters=cleaned, parameters_key=key, owner=None if public else owner, company=company,
            is_public=public, inputs_fingerprint=fingerprint, data_as_of=as_of,
        )  # fmt: skip
        if built is not None:
            # Another user's report of the same inputs: the stored result is theirs and ours alike.
            InsightReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.DONE, progress=100, result=built.result, charts=built.charts,
                started_at=timezone.now(), finished_at=timezone.now(), data_as_of=built.data_as_of,
            )  # fmt: skip
            report.refresh_from_db()
            return report, True
        _enqueue(report.pk)
    return report, False


def _company_of(kind: str, parameters: dict):
    if kind != ReportKind.EMPLOYER_POSTINGS:
        return None
    from jobs.models import Company

    return Company.objects.get(slug=parameters["company"])


def _enqueue(report_id: int) -> None:
    from insights.tasks import generate_report_task

    transaction.on_commit(lambda: generate_report_task.delay(report_id))


def report_generate(*, report_id: int) -> bool:
    """Build a pending report: its result, its charts, and the fingerprint of what it read. False when another
    run holds it or it is already built."""
    claim = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        InsightReport.objects.filter(pk=report_id)
        .filter(Q(status=ReportStatus.PENDING) | Q(status=ReportStatus.RUNNING, started_at__lt=now - STALE_RUN))
        .update(status=ReportStatus.RUNNING, claim=claim, started_at=now, progress=0, error="", finished_at=None)
    )
    if not claimed:
        return False
    held = InsightReport.objects.filter(pk=report_id, claim=claim)
    report = held.get()
    try:
        fingerprint, as_of = kinds.fingerprint(report.kind, report.parameters)
        held.update(progress=10)
        result = kinds.build(report.kind, report.parameters, lambda percent: held.update(progress=percent))
        result = {
            "kind": report.kind,
            "parameters": report.parameters,
            "as_of": as_of.isoformat() if as_of else None,
            "generated_at": timezone.now().isoformat(),
            **result,
        }
        drawn = charts.draw(result)
    except TRANSIENT:
        # The database went away: hand the report back so the task's retry (or the next request) builds it.
        held.update(status=ReportStatus.PENDING, claim="", started_at=None)
        raise
    except Exception as error:  # noqa: BLE001 - any other failure is the report's, recorded on it
        logger.exception("Report %s failed", report_id)
        held.update(status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
                    finished_at=timezone.now())  # fmt: skip
        return False
    held.update(
        status=ReportStatus.DONE, progress=100, result=result, charts=drawn, finished_at=timezone.now(),
        data_as_of=as_of, inputs_fingerprint=fingerprint, claim="",
    )  # fmt: skip
    return True


def report_regenerate(*, report_id: int) -> None:
    """Build a report again from today's data (the admin's action); it keeps its id, owner and parameters."""
    with transaction.atomic():
        InsightReport.objects.filter(pk=report_id).update(
            status=ReportStatus.PENDING, progress=0, error="", claim="", result=None, charts={}, started_at=None,
            finished_at=None,
        )  # fmt: skip
        _enqueue(report_id)


def reports_publish_weekly() -> list[int]:
    """Beat, weekly: a public market overview of each role family worldwide (reused while nothing changed)."""
    ids = []
    for role in RoleFamily.values:
        if role == RoleFamily.OTHER:
            continue
        report, _ = report_request(user=None, kind=ReportKind.MARKET_OVERVIEW,
                                   parameters={"role": role, "place": "world"}, public=True)  # fmt: skip
        ids.append(report.pk)
    return ids
