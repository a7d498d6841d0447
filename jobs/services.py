"""Every change to a company's postings happens here: create, edit and the lifecycle.

Lifecycle: draft → pending_review → published → closed / filled / expired, and
pending_review → rejected (with a reason) → (edited) → pending_review again.
Whenever a change adds a posting to, removes it from, or changes it inside the visible set,
its market segments are marked for recompute in the same transaction.
"""

from datetime import timedelta
from decimal import Decimal

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, InvalidTransition, NotPermitted
from insights.segments import segments_for_posting
from insights.services import segments_mark_dirty
from jobs.models import Company, JobPosting, PostingStatus
from salaries.money import annualise, check_plausible_annual_usd, money, rate_on, to_usd

S = PostingStatus

EDITABLE = {S.DRAFT, S.PENDING_REVIEW, S.REJECTED, S.PUBLISHED}
PAY_FIELDS = {"salary_min", "salary_max", "salary_currency", "salary_period"}
CONTENT_FIELDS = {
    "title",
    "description",
    "role_family",
    "level",
    "employment_type",
    "city",
    "country",
    "remote_policy",
    "source_ref",
    "expires_at",
} | PAY_FIELDS


def user_is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.has_perm("jobs.moderate_postings")))


def user_is_member(user, company_id: int) -> bool:
    return bool(user and user.is_authenticated and user.memberships.filter(company_id=company_id).exists())


def _require_member(user, company_id: int) -> None:
    if not user_is_member(user, company_id):
        raise NotPermitted("Only members of this posting's company may change it.", field=None)


def _require_moderator(user) -> None:
    if not user_is_moderator(user):
        raise NotPermitted("Only moderators may approve or reject postings.", field=None)


def _visible_keys(posting: JobPosting, now) -> set[str]:
    visible = posting.status == S.PUBLISHED and (posting.expires_at is None or posting.expires_at > now)
    return {segment.key for segment in segments_for_posting(posting)} if visible else set()


def _apply_pay(posting: JobPosting) -> None:
    """Check the posted range and store its annual USD normalisation with the rate used."""
    low, high = posting.salary_min, posting.salary_max
    if low is None or low <= 0:
        raise DomainError("Minimum pay must be greater than zero.", field="salary_min", code="must_be_positive")
    if high is None or high <= 0:
        raise DomainError("Maximum pay must be greater than zero.", field="salary_max", code="must_be_positive")
    if low > high:
        raise DomainError("Maximum pay must not be below minimum pay.", field="salary_max", code="min_greater_than_max")
    rate = rate_on(posting.salary_currency, timezone.now().date())
    posting.salary_currency = rate.currency
    posting.salary_min_usd = to_usd(annualise(low, posting.salary_period), rate)
    posting.salary_max_usd = to_usd(annualise(high, posting.salary_period), rate)
    check_plausible_annual_usd(posting.salary_min_usd, field="salary_min")
    check_plausible_annual_usd(posting.salary_max_usd, field="salary_max")
    posting.salary_mid_usd = money((posting.salary_min_usd + posting.salary_max_usd) / Decimal(2))
    posting.fx_rate_to_usd = rate.rate_to_usd
    posting.fx_rate_date = rate.date


def _apply_fields(posting: JobPosting, data: dict) -> set[str]:
    unknown = set(data) - CONTENT_FIELDS
    if unknown:
        raise DomainError(f"Cannot set {sorted(unknown)[0]!r} here.", field=sorted(unknown)[0], code="read_only")
    changed = set()
    for name, value in data.items():
        if name == "description":
            value = nh3.clean(value or "")
        if getattr(posting, name) != value:
            setattr(posting, name, value)
            changed.add(name)
    return changed


def _check_unique_ref(posting: JobPosting) -> None:
    if posting.source_ref:
        clash = JobPosting.objects.filter(company_id=posting.company_id, source_ref=posting.source_ref)
        if clash.exclude(pk=posting.pk).exists():
            raise DomainError(
                "This company already has a posting with this reference.", field="source_ref", code="unique"
            )


def posting_create(*, company: Company, user, data: dict) -> JobPosting:
    _require_member(user, company.pk)
    posting = JobPosting(company=company, created_by=user, status=S.DRAFT)
    _apply_fields(posting, data)
    _apply_pay(posting)
    _check_unique_ref(posting)
    posting.save()
    return posting


def posting_update(*, posting: JobPosting, user, data: dict) -> JobPosting:
    """Edit a posting. Edits to a published posting go live at once and refresh its segments."""
    _require_member(user, posting.company_id)
    with transaction.atomic():
        posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
        if posting.status not in EDITABLE:
            raise InvalidTransition(f"A {posting.get_status_display().lower()} posting cannot be edited.")
        now = timezone.now()
        before = _visible_keys(posting, now)
        changed = _apply_fields(posting, data)
        if changed & PAY_FIELDS:
            _apply_pay(posting)
        _check_unique_ref(posting)
        if posting.status == S.REJECTED and changed:
            posting.status = S.DRAFT  # a rejected posting goes back to draft once it is edited
        posting.save()
        if changed:
            segments_mark_dirty(keys=before | _visible_keys(posting, now))
    return posting


def _transition(posting: JobPosting, *, allowed: set[str], action: str, apply) -> JobPosting:
    with transaction.atomic():
        posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
        if posting.status not in allowed:
            raise InvalidTransition(
                f"Cannot {action} a posting that is {posting.get_status_display().lower()}; "
                f"allowed from: {', '.join(sorted(allowed))}."
            )
        now = timezone.now()
        before = _visible_keys(posting, now)
        apply(posting, now)
        posting.save()
        segments_mark_dirty(keys=before | _visible_keys(posting, now))
    return posting


def posting_submit(*, posting: JobPosting, user) -> JobPosting:
    _require_member(user, posting.company_id)

    def apply(p, now):
        p.status, p.submitted_at, p.rejection_reason = S.PENDING_REVIEW, now, ""

    return _transition(posting, allowed={S.DRAFT, S.REJECTED}, action="submit", apply=apply)


def posting_approve(*, posting: JobPosting, moderator) -> JobPosting:
    """Publish a posting. It expires on its own `expires_at`, by default some days after publishing."""
    _require_moderator(moderator)

    def apply(p, now):
        p.status, p.published_at = S.PUBLISHED, now
        if p.expires_at is None or p.expires_at <= now:
            p.expires_at = now + timedelta(days=settings.POSTING_DEFAULT_LIFETIME_DAYS)

    return _transition(posting, allowed={S.PENDING_REVIEW}, action="approve", apply=apply)


def posting_reject(*, posting: JobPosting, moderator, reason: str) -> JobPosting:
    _require_moderator(moderator)
    if not (reason or "").strip():
        raise DomainError("A rejection needs a reason the employer can act on.", field="reason", code="required")

    def apply(p, now):
        p.status, p.rejection_reason = S.REJECTED, reason.strip()

    return _transition(posting, allowed={S.PENDING_REVIEW}, action="reject", apply=apply)


def posting_close(*, posting: JobPosting, user, filled: bool = False) -> JobPosting:
    """Take a posting down: `filled` when the job was filled (published postings only), else closed."""
    _require_member(user, posting.company_id)

    def apply(p, now):
        p.status, p.closed_at = (S.FILLED if filled else S.CLOSED), now

    allowed = {S.PUBLISHED} if filled else {S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED}
    return _transition(posting, allowed=allowed, action="mark as filled" if filled else "close", apply=apply)


def postings_expire_due(*, now=None) -> int:
    """Flip published postings past their `expires_at` to expired and mark their segments.

    They already stopped counting as visible at `expires_at`; this makes the status agree and
    makes sure their segments are recomputed without them.
    """
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(JobPosting.objects.due_to_expire(now).select_for_update(skip_locked=True)[:1000])
        keys: set[str] = set()
        for posting in due:
            keys |= {segment.key for segment in segments_for_posting(posting)}
        expired = JobPosting.objects.filter(pk__in=[p.pk for p in due], status=S.PUBLISHED).update(
            status=S.EXPIRED, closed_at=now
        )
        segments_mark_dirty(keys=keys)
    return expired
