"""Share your pay: an employee's own package, checked, counted as a market data point, and deletable.

A submission is a private record. Checked when it arrives: the package must be plausible (salaries.money),
one per person, company and year, and near the market: a base below half the released p25 or above twice the
released p75 of its segment is held for a moderator (`pending_review`) instead of counting at once. Accepted,
it becomes one SalaryObservation of the self-reported source, its segments marked in the same transaction
(like a survey record: its own contributor, no city, no sector). Deleted, the observation goes with it and its
segments are marked again: every range is recomputed from the remaining points, and since a range's noise is
drawn from the sum of its points' disclosure keys, each figure returns to exactly what it was without it. On
PostgreSQL the drains' point cache learns of the deletion from an ObservationDeletion row.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.errors import DomainError, InvalidTransition, NotPermitted
from insights.segments import segments_for_observation
from insights.services import segments_mark_dirty
from salaries.models import (
    BenchmarkRelease,
    BenchmarkSource,
    ObservationDeletion,
    SalaryObservation,
    SalarySubmission,
    SourceKind,
    SubmissionStatus,
)
from salaries.money import annualise, check_plausible_annual_usd, money, rate_on, to_usd

SELF_REPORTED_SLUG = "self-reported"
SELF_REPORTED_SOURCE = {
    "publisher": "this board",
    "title": "Pay shared by employees on this board",
    "kind": SourceKind.SELF_REPORTED,
    "url": "",
    "citation": "Self-reported submissions, checked against the market and moderated",
    "licence": "private: never shown one by one",
}
OUTLIER_LOW, OUTLIER_HIGH = Decimal("0.5"), Decimal(2)  # × the released p25 and p75
EXPERIENCE = {"intern": "EN", "junior": "EN", "mid": "MI", "senior": "SE", "staff": "SE", "principal": "SE",
              "lead": "EX", "director": "EX"}  # fmt: skip


def _source_and_release() -> tuple[BenchmarkSource, BenchmarkRelease]:
    source, _ = BenchmarkSource.objects.get_or_create(slug=SELF_REPORTED_SLUG, defaults=SELF_REPORTED_SOURCE)
    release, _ = BenchmarkRelease.objects.get_or_create(source=source, version="submissions")
    return source, release


def _market_check(role_family: str, level: str, country: str, base_usd: Decimal) -> tuple[str, str]:
    """Accepted, or held for review with why: against the released range of the country (or wider)."""
    from insights.segments import country_segment
    from insights.selectors import stored_releases

    chain = [s.key for s in country_segment(role_family, level, country).widening()]
    releases = stored_releases(set(chain))
    published = next((releases[k] for k in chain if k in releases and releases[k].published), None)
    if published is None:
        return SubmissionStatus.ACCEPTED, ""
    p25, p75 = Decimal(published.release["p25"]), Decimal(published.release["p75"])
    if base_usd < p25 * OUTLIER_LOW or base_usd > p75 * OUTLIER_HIGH:
        return SubmissionStatus.PENDING_REVIEW, (
            f"{int(base_usd):,} USD a year is far from the market for this role and level ({published.key}: "
            f"p25 {int(p25):,}, p75 {int(p75):,}); a moderator will look at it."
        )
    return SubmissionStatus.ACCEPTED, ""


def salary_submission_create(*, user, data: dict, today: date | None = None) -> SalarySubmission:
    today = today or timezone.now().date()
    company = data.get("company")
    name = company.name if company else (data.get("company_name") or "").strip()
    if not name:
        raise DomainError("Say which company you work for.", field="company_name", code="required")
    work_year = data.get("work_year") or today.year
    if not 2000 <= work_year <= today.year:
        raise DomainError(f"A year from 2000 to {today.year}.", field="work_year")
    rate = rate_on(data["currency"], min(date(work_year, 7, 1), today))
    base_annual = annualise(data["base_amount"], data.get("period") or "YEAR")
    base_usd = to_usd(base_annual, rate)
    check_plausible_annual_usd(base_usd, field="base_amount")
    extras = sum((data.get(name) or Decimal(0)) for name in ("bonus", "equity_per_year"))
    extras += (data.get("sign_on") or Decimal(0)) / 4  # spread over four years, as salaries.compensation does
    total_usd = to_usd(base_annual + extras, rate)
    check_plausible_annual_usd(total_usd, field="total")
    status, note = _market_check(data["role_family"], data["level"], data["country"], base_usd)
    submission = SalarySubmission(
        user=user, company=company, company_name=name, company_key=company.slug if company else slugify(name),
        company_size=company.size_band if company else data.get("company_size", ""), title=data.get("title", ""),
        role_family=data["role_family"], level=data["level"], country=data["country"], remote=data.get("remote", False),
        years_of_experience=data.get("years_of_experience"), work_year=work_year, base_amount=data["base_amount"],
        currency=data["currency"], period=data.get("period") or "YEAR", bonus=data.get("bonus"),
        equity_per_year=data.get("equity_per_year"), sign_on=data.get("sign_on"), base_annual_usd=money(base_usd),
        total_annual_usd=money(total_usd), status=status, review_note=note,
    )  # fmt: skip
    try:
        with transaction.atomic():
            submission.save()
            if status == SubmissionStatus.ACCEPTED:
                _count(submission, base_annual, rate)
    except IntegrityError:
        raise DomainError(
            f"You have already shared your {work_year} pay at {name}: delete that one to share it again.",
            field="company_name", code="duplicate",
        ) from None  # fmt: skip
    return submission


def _count(submission: SalarySubmission, base_annual: Decimal, rate) -> None:
    """Make the submission a market data point, marking its segments in the same transaction."""
    source, release = _source_and_release()
    observation = SalaryObservation.objects.create(
        release=release, source=source, external_key=f"submission-{submission.pk}", work_year=submission.work_year,
        job_title=submission.title or submission.role_family, role_family=submission.role_family,
        level=submission.level, experience_level=EXPERIENCE.get(submission.level, "MI"), employment_type="FT",
        country=submission.country, employee_residence=submission.country,
        remote_ratio=100 if submission.remote else 0, company_size=submission.company_size,
        salary=money(base_annual), salary_currency=submission.currency, salary_usd=submission.base_annual_usd,
        fx_rate_to_usd=rate.rate_to_usd, fx_rate_date=rate.date,
    )  # fmt: skip
    submission.observation = observation
    submission.save(update_fields=["observation"])
    segments_mark_dirty(keys={s.key for s in segments_for_observation(observation)})


def salary_submission_review(*, submission: SalarySubmission, moderator, accept: bool, note: str = "") -> None:
    from jobs.audit import audit_record
    from jobs.models import ActorRole, AuditAction
    from jobs.services import user_is_moderator

    if not user_is_moderator(moderator):
        raise NotPermitted("Only moderators review submissions.")
    with transaction.atomic():
        submission = SalarySubmission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != SubmissionStatus.PENDING_REVIEW:
            raise InvalidTransition("Only a submission held for review can be reviewed.")
        before = submission.status
        submission.status = SubmissionStatus.ACCEPTED if accept else SubmissionStatus.REJECTED
        submission.review_note = note or submission.review_note
        submission.save(update_fields=["status", "review_note"])
        # The record itself is private: the trail names the submission by its number only.
        audit_record(
            action=AuditAction.SUBMISSION_REVIEWED, obj=submission, actor=moderator, role=ActorRole.MODERATOR,
            changes={"status": [before, submission.status]}, note=submission.review_note,
            label=f"Salary submission #{submission.pk}",
        )  # fmt: skip
        if accept:
            rate = rate_on(submission.currency, min(date(submission.work_year, 7, 1), timezone.now().date()))
            _count(submission, annualise(submission.base_amount, submission.period), rate)


def salary_submission_delete(*, submission: SalarySubmission, user) -> None:
    """Delete a submission and its data point; its segments are recomputed as if it had never been there."""
    if submission.user_id != getattr(user, "pk", None):
        raise NotPermitted("Only the person who shared it can delete a submission.")
    with transaction.atomic():
        observation = submission.observation
        submission.delete()
        if observation is not None:
            keys = {s.key for s in segments_for_observation(observation)}
            ObservationDeletion.objects.create(observation_id=observation.pk, deleted_at=timezone.now())
            observation.delete()
            segments_mark_dirty(keys=keys)
