"""Every change to a company's postings happens here: create, edit and the lifecycle.

Lifecycle: draft → pending_review → published → closed / filled / expired, and
pending_review → rejected (with a reason) → (edited) → pending_review again; a closed or expired
posting can be reopened as a draft and go through review again.
Whenever a change adds a posting to, removes it from, or changes it inside the visible set,
its market segments are marked for recompute in the same transaction.
"""

from datetime import timedelta
from decimal import Decimal

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from config.errors import DomainError, InvalidTransition, NotPermitted
from insights.segments import segments_for, segments_for_posting
from insights.services import segments_mark_dirty
from jobs.audit import audit_event, audit_record, changes_between, fields_of
from jobs.models import ActorRole, AuditAction, AuditEvent, Company, JobPosting, PayKind, PostingStatus
from jobs.search import postings_search_refresh
from jobs.transparency import check_submittable
from salaries.compensation import Package, TotalCompensation, total_compensation
from salaries.money import annualise, check_plausible_annual_usd, money, rate_on, to_usd
from salaries.skills import SKILLS, skills_in
from salaries.taxonomy import sector_for_industry
from salaries.titles import Confidence, normalise_title

S = PostingStatus

EDITABLE = {S.DRAFT, S.PENDING_REVIEW, S.REJECTED, S.PUBLISHED}
PACKAGE_FIELDS = {
    "bonus_target_pct",
    "bonus_target_amount",
    "equity_pct_min",
    "equity_pct_max",
    "company_valuation",
    "equity_grant_amount",
    "vesting_years",
    "sign_on_bonus",
}
PAY_FIELDS = {"pay_kind", "pay_source", "salary_min", "salary_max", "salary_currency", "salary_period"} | PACKAGE_FIELDS
# What a posting without pay (pay_kind "none") leaves empty.
GIVEN_PAY_FIELDS = ("salary_min", "salary_max", *sorted(PACKAGE_FIELDS))
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
    "subdivision",
    "benefits",
    "skills",
} | PAY_FIELDS


# The text a posting is found by (jobs.search): an edit to one of these rewrites its search vector.
SEARCHED_FIELDS = {"title", "description", "skills"}


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


def _locked(pk: int) -> JobPosting:
    """The posting, row-locked for this transaction (its company read along, not locked)."""
    return JobPosting.objects.select_related("company").select_for_update(of=("self",)).get(pk=pk)


def _visible_keys(posting: JobPosting, now) -> set[str]:
    """The segments the posting is a market data point of (JobPostingQuerySet.market_points, for one posting)."""
    visible = posting.status == S.PUBLISHED and (posting.expires_at is None or posting.expires_at > now)
    point = visible and posting.pay_kind == PayKind.EMPLOYER
    return {segment.key for segment in segments_for_posting(posting)} if point else set()


def _pay_kind_of(posting: JobPosting, data: dict) -> dict:
    """`data` with its pay kind settled. Left out, it is the employer's pay when the data gives pay (also when the
    posting had none, or an estimate, and now gets pay) and "none" for a new posting given no pay. Switching to
    "none" empties the pay the posting had; giving pay in the same change is a conflict, not a silent drop."""
    data = dict(data)
    if "salary_currency" in data and data["salary_currency"] is None:
        data["salary_currency"] = ""
    gives_pay = any(data.get(name) is not None for name in ("salary_min", "salary_max"))
    if "pay_kind" not in data:
        if posting.pk is None:
            data["pay_kind"] = PayKind.EMPLOYER if gives_pay or data.get("salary_currency") else PayKind.NONE
        elif posting.pay_kind != PayKind.EMPLOYER and gives_pay:
            data["pay_kind"] = PayKind.EMPLOYER  # pay typed in by a member is the employer's, not an estimate
    if data.get("pay_kind", posting.pay_kind) == PayKind.NONE:
        given = [name for name in GIVEN_PAY_FIELDS if data.get(name) is not None]
        if given:
            raise DomainError(
                f"pay_kind is none (no pay given), yet {given[0]} is: give pay_kind employer with the pay, or leave "
                "the pay out.", field=given[0], code="conflict",
            )  # fmt: skip
        data.update({name: None for name in GIVEN_PAY_FIELDS if getattr(posting, name) is not None})
        if posting.salary_currency or data.get("salary_currency"):
            data["salary_currency"] = ""
    return data


def _apply_pay(posting: JobPosting) -> None:
    """Check the posted range and store its annual USD normalisation with the rate used; a posting without pay
    keeps every pay figure empty."""
    if posting.pay_kind == PayKind.NONE:
        posting.pay_source = ""
        for name in ("salary_min_usd", "salary_max_usd", "salary_mid_usd", "total_comp_mid_usd", "fx_rate_to_usd",
                     "fx_rate_date"):  # fmt: skip
            setattr(posting, name, None)
        return
    if posting.pay_kind == PayKind.ESTIMATE and not (posting.pay_source or "").strip():
        raise DomainError("Say whose estimate the pay is (pay_source).", field="pay_source", code="required")
    if posting.pay_kind == PayKind.EMPLOYER:
        posting.pay_source = ""
    if not posting.salary_currency:
        raise DomainError("Give the pay's currency (ISO 4217).", field="salary_currency", code="required")
    low, high = posting.salary_min, posting.salary_max
    if low is None or low <= 0:
        raise DomainError("Minimum pay must be greater than zero.", field="salary_min", code="must_be_positive")
    if high is None or high <= 0:
        raise DomainError("Maximum pay must be greater than zero.", field="salary_max", code="must_be_positive")
    if low > high:
        raise DomainError("Maximum pay must not be below minimum pay.", field="salary_max", code="min_greater_than_max")
    _check_package(posting)
    rate = rate_on(posting.salary_currency, timezone.now().date())
    posting.salary_currency = rate.currency
    posting.salary_min_usd = to_usd(annualise(low, posting.salary_period), rate)
    posting.salary_max_usd = to_usd(annualise(high, posting.salary_period), rate)
    check_plausible_annual_usd(posting.salary_min_usd, field="salary_min")
    check_plausible_annual_usd(posting.salary_max_usd, field="salary_max")
    posting.salary_mid_usd = money((posting.salary_min_usd + posting.salary_max_usd) / Decimal(2))
    posting.fx_rate_to_usd = rate.rate_to_usd
    posting.fx_rate_date = rate.date
    package = posting_total_compensation(posting)
    # Extras converted on their own and added to the base midpoint, so total >= base holds to the cent.
    posting.total_comp_mid_usd = posting.salary_mid_usd + to_usd(package.total - package.base, rate)
    # The whole package must be plausible too (a sign-on of a trillion would overflow the column: a 500).
    check_plausible_annual_usd(posting.total_comp_mid_usd, field=_largest_extra(posting, package))


def _largest_extra(posting: JobPosting, package: TotalCompensation) -> str:
    """The package field an implausible total most likely comes from, to name in the error."""
    parts = {"bonus_target_amount" if posting.bonus_target_amount is not None else "bonus_target_pct": package.bonus,
             "equity_grant_amount" if posting.equity_grant_amount is not None else "company_valuation":
             package.equity_per_year, "sign_on_bonus": package.sign_on_per_year}  # fmt: skip
    return max(parts, key=lambda name: parts[name])


def posting_package(posting: JobPosting) -> Package:
    return Package(**{name: getattr(posting, name) for name in PACKAGE_FIELDS})


def posting_total_compensation(posting: JobPosting) -> TotalCompensation:
    """The posting's yearly package at the midpoint of its base range, in its own currency."""
    base = annualise((posting.salary_min + posting.salary_max) / 2, posting.salary_period)
    return total_compensation(base=base, package=posting_package(posting))


def _check_package(posting: JobPosting) -> None:
    if posting.bonus_target_pct is not None and posting.bonus_target_amount is not None:
        raise DomainError(
            "Give the target bonus as a percentage of base or as an amount, not both.",
            field="bonus_target_amount",
            code="conflict",
        )
    if posting.bonus_target_pct is not None and posting.bonus_target_pct > 200:
        raise DomainError(
            "A target bonus above 200% of base is not plausible.", field="bonus_target_pct", code="max_value"
        )
    for name in ("equity_pct_min", "equity_pct_max"):
        value = getattr(posting, name)
        if value is not None and not 0 < value <= 100:
            raise DomainError(
                "Equity is a percentage of the company: above 0 and at most 100.", field=name, code="out_of_range"
            )
    if posting.equity_pct_max is not None and posting.equity_pct_min is None:
        raise DomainError("Give the lower end of the equity range too.", field="equity_pct_min", code="required")
    if (
        posting.equity_pct_min is not None
        and posting.equity_pct_max is not None
        and posting.equity_pct_min > posting.equity_pct_max
    ):
        raise DomainError(
            "The equity range's maximum is below its minimum.", field="equity_pct_max", code="min_greater_than_max"
        )
    if posting.company_valuation is not None and posting.equity_pct_min is None:
        raise DomainError("A valuation prices an equity percentage: give one.", field="equity_pct_min", code="required")
    if posting.vesting_years is not None and not 1 <= posting.vesting_years <= 10:
        raise DomainError("Vesting runs between 1 and 10 years.", field="vesting_years", code="out_of_range")


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
    posting.city_slug = slugify(posting.city or "")
    if "skills" in data:
        posting.skills = [slug for slug in SKILLS if slug in set(data["skills"])]  # vocabulary order, no repeats
        posting.skills_from_employer = True
    elif not posting.skills_from_employer:
        posting.skills = skills_in(posting.title, posting.description)
    return changed


FINGERPRINT_MIN_WORDS = 40  # below this a description is too generic to tell a repost from a coincidence


def content_fingerprint(title: str, description: str) -> str:
    """A hash of the title and description as lower-case words (markup, punctuation and spacing ignored), or ""
    when the description is too short to say anything."""
    import hashlib
    import re

    words = re.findall(r"\w+", re.sub(r"<[^>]*>", " ", f"{title} {description}").lower())
    if len(words) < FINGERPRINT_MIN_WORDS:
        return ""
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def _classify_from_title(posting: JobPosting, *, level_may_wait: bool = False) -> None:
    """Fill a role family or level the employer left out from the title, but only when the title is clear.

    An explicit choice always wins; a title the normaliser cannot read confidently is sent back, never guessed.
    With `level_may_wait` (an imported draft), an unclear level stays empty for the employer to set: the draft
    cannot be submitted before.
    """
    if posting.role_family and posting.level:
        return
    match = normalise_title(posting.title)
    if not posting.role_family:
        if not match.recognised or match.role_confidence == Confidence.LOW:
            raise DomainError(
                f"Cannot tell the role family from the title {posting.title!r}: set role_family.",
                field="role_family",
                code="required",
            )
        posting.role_family = match.role_family
    if not posting.level:
        if match.level is None or match.level_confidence == Confidence.LOW:
            if level_may_wait:
                return
            raise DomainError(
                f"Cannot tell the level from the title {posting.title!r}: set level.", field="level", code="required"
            )
        posting.level = match.level


# A change to any of these sends a published posting back to review (posting_update).
MATERIAL_FIELDS = PAY_FIELDS | {"title", "role_family", "level", "employment_type", "city", "country", "subdivision",
                                "remote_policy"}  # fmt: skip

# The fields whose before and after the audit trail keeps (description and benefits cut to their start).
AUDITED_FIELDS = sorted(CONTENT_FIELDS | {"status"})
LIFECYCLE_FIELDS = ["status", "published_at", "expires_at", "closed_at", "rejection_reason"]


def _iso(value):
    return value.isoformat() if value else None


def _check_unique_ref(posting: JobPosting) -> None:
    if posting.source_ref:
        clash = JobPosting.objects.filter(company_id=posting.company_id, source_ref=posting.source_ref)
        if clash.exclude(pk=posting.pk).exists():
            raise DomainError(
                "This company already has a posting with this reference.", field="source_ref", code="unique"
            )


def company_save(*, company: Company, user=None) -> Company:
    """Save a company's details (the admin's edit form). An empty sector is read from the free-text
    industry. The size band and sector place each of the company's visible postings in its segments, so a
    change to either marks the segments of the postings both before and after."""
    if not company.sector:
        company.sector = sector_for_industry(company.industry)
    with transaction.atomic():
        before, audited = None, {}
        if company.pk:
            stored = Company.objects.select_for_update().filter(pk=company.pk).first()
            if stored is not None:
                before, audited = (stored.size_band, stored.sector), fields_of(stored, COMPANY_AUDITED)
        company.save()
        changes = changes_between(audited, fields_of(company, COMPANY_AUDITED))
        if "name" in changes:  # its name is in its postings' search vectors
            postings_search_refresh(company_id=company.pk)
        if changes:
            audit_record(
                action=AuditAction.COMPANY_CHANGED if audited else AuditAction.COMPANY_CREATED, obj=company,
                actor=user, changes=changes, company_id=company.pk,
            )  # fmt: skip
        if before is not None and before != (company.size_band, company.sector):
            segments_mark_dirty(
                keys=_company_segment_keys(company, dimensions=[before, (company.size_band, company.sector)])
            )
            # Their data points changed too: drains read the postings saved since their last batch.
            JobPosting.objects.filter(company=company).update(updated_at=timezone.now())
    return company


COMPANY_AUDITED = ["name", "size_band", "sector", "industry", "funding_stage", "headquarters_country",
                   "employee_count", "is_verified"]  # fmt: skip


def _company_segment_keys(company: Company, *, dimensions: list[tuple[str, str]]) -> set[str]:
    """The segments of the company's visible postings under each (size band, sector)."""
    places = (
        JobPosting.objects.market_points(timezone.now())
        .filter(company=company)
        .values_list("role_family", "level", "country", "city", "remote_policy")
        .distinct()
    )
    return {
        segment.key
        for role, level, country, city, remote in places
        for band, sector in dimensions
        for segment in segments_for(
            role_family=role, level=level, country=country, city=city, size_band=band, sector=sector,
            remote=remote == "remote",
        )
    }  # fmt: skip


def posting_create(
    *, company: Company, user, data: dict, expiry_reason: str = "", level_may_wait: bool = False
) -> JobPosting:
    """A draft. With `level_may_wait` (imports), a level the title does not tell is left for the employer."""
    _require_member(user, company.pk)
    posting = JobPosting(company=company, created_by=user, status=S.DRAFT)
    _apply_fields(posting, _pay_kind_of(posting, data))
    _check_expiry(posting, data, expiry_reason, timezone.now())
    _classify_from_title(posting, level_may_wait=level_may_wait)
    _apply_pay(posting)
    _check_unique_ref(posting)
    posting.content_fingerprint = content_fingerprint(posting.title, posting.description)
    with transaction.atomic():
        posting.save()
        postings_search_refresh(ids=[posting.pk])
        audit_record(action=AuditAction.POSTING_CREATED, obj=posting, actor=user, company_id=posting.company_id)
    return posting


def _check_expiry(posting: JobPosting, data: dict, reason: str, now) -> None:
    """An expiry is a moment in the future within the maximum lifetime from publication (or from now, before
    it); past the default lifetime it needs a reason, kept in the audit trail. Empty on a published posting
    means the default."""
    if "expires_at" not in data:
        return
    start = posting.published_at or now
    if posting.expires_at is None:
        if posting.status == S.PUBLISHED:
            posting.expires_at = start + timedelta(days=settings.POSTING_DEFAULT_LIFETIME_DAYS)
        return
    latest = start + timedelta(days=settings.POSTING_MAX_LIFETIME_DAYS)
    if posting.expires_at <= now:
        raise DomainError("The expiry must be in the future.", field="expires_at", code="in_the_past")
    if posting.expires_at > latest:
        raise DomainError(
            f"A posting runs at most {settings.POSTING_MAX_LIFETIME_DAYS} days from publication: "
            f"expire it by {latest:%Y-%m-%d}.", field="expires_at", code="too_long",
        )  # fmt: skip
    if posting.expires_at > start + timedelta(days=settings.POSTING_DEFAULT_LIFETIME_DAYS) and not reason.strip():
        raise DomainError(
            f"Running longer than {settings.POSTING_DEFAULT_LIFETIME_DAYS} days needs a reason (expiry_reason).",
            field="expiry_reason", code="required",
        )  # fmt: skip


def posting_update(*, posting: JobPosting, user, data: dict, expiry_reason: str = "") -> JobPosting:
    """Edit a posting.

    Only reviewed pay counts in the market: a material change (MATERIAL_FIELDS: title, role, level, place,
    employment type or pay) to a published posting sends it back to review, out of the public list and its
    market segments until a moderator approves it again. Other edits (description, benefits, skills, reference,
    expiry within its limits) go live at once. Editing a posting waiting for review withdraws the submission
    (back to draft: the moderator never approves a version other than the one they saw); a rejected posting
    goes back to draft too, to be submitted again."""
    _require_member(user, posting.company_id)
    with transaction.atomic():
        posting = _locked(posting.pk)
        if posting.status not in EDITABLE:
            raise InvalidTransition(f"A {posting.get_status_display().lower()} posting cannot be edited.")
        now = timezone.now()
        before = _visible_keys(posting, now)
        audited = fields_of(posting, AUDITED_FIELDS)
        changed = _apply_fields(posting, _pay_kind_of(posting, data))
        _check_expiry(posting, data, expiry_reason, now)
        if changed & PAY_FIELDS:
            _apply_pay(posting)
        _check_unique_ref(posting)
        if changed & {"title", "description"}:
            posting.content_fingerprint = content_fingerprint(posting.title, posting.description)
        if posting.status in {S.REJECTED, S.PENDING_REVIEW} and changed:
            posting.status = S.DRAFT
        elif posting.status == S.PUBLISHED and changed & MATERIAL_FIELDS:
            # Back to review; it keeps its publication date and expiry for when it is approved again.
            posting.status, posting.submitted_at = S.PENDING_REVIEW, now
        posting.save()
        if changed & SEARCHED_FIELDS:
            postings_search_refresh(ids=[posting.pk])
        if changed:
            segments_mark_dirty(keys=before | _visible_keys(posting, now))
            changes = changes_between(audited, fields_of(posting, AUDITED_FIELDS))
            if changes:
                audit_record(
                    action=AuditAction.POSTING_EDITED, obj=posting, actor=user, changes=changes,
                    company_id=posting.company_id, note=expiry_reason.strip() if "expires_at" in changes else "",
                )  # fmt: skip
    return posting


def _transition(posting: JobPosting, *, allowed: set[str], action: str, apply, audit: str, actor,
                moderating: bool = False, note: str = "") -> JobPosting:  # fmt: skip
    with transaction.atomic():
        posting = _locked(posting.pk)
        if posting.status not in allowed:
            raise InvalidTransition(
                f"Cannot {action} a posting that is {posting.get_status_display().lower()}; "
                f"allowed from: {', '.join(sorted(allowed))}."
            )
        now = timezone.now()
        before = _visible_keys(posting, now)
        lifecycle = fields_of(posting, LIFECYCLE_FIELDS)
        apply(posting, now)
        posting.save()
        segments_mark_dirty(keys=before | _visible_keys(posting, now))
        audit_record(
            action=audit, obj=posting, actor=actor, role=ActorRole.MODERATOR if moderating else None,
            changes=changes_between(lifecycle, fields_of(posting, LIFECYCLE_FIELDS)), note=note,
            company_id=posting.company_id, at=now,
        )  # fmt: skip
    return posting


def posting_submit(*, posting: JobPosting, user) -> JobPosting:
    _require_member(user, posting.company_id)

    def apply(p, now):
        if not p.level:
            raise DomainError("Set the level before submitting (the title does not tell it).", field="level",
                              code="required")  # fmt: skip
        # The pay-transparency laws the posting falls under must be met before a moderator sees it.
        check_submittable(p, p.company, now.date())
        p.status, p.submitted_at, p.rejection_reason = S.PENDING_REVIEW, now, ""

    return _transition(
        posting, allowed={S.DRAFT, S.REJECTED}, action="submit", apply=apply, audit=AuditAction.POSTING_SUBMITTED,
        actor=user,
    )  # fmt: skip


class CompanyNotVerified(DomainError):
    status_code = 409
    code = "company_not_verified"


def posting_approve(*, posting: JobPosting, moderator) -> JobPosting:
    """Publish a posting. It expires on its own `expires_at`, by default some days after publishing."""
    _require_moderator(moderator)

    def apply(p, now):
        if not p.company.is_verified:
            raise CompanyNotVerified(
                f"{p.company.name} is not verified yet: a moderator verifies a company before approving its postings.",
                field="company",
            )
        p.status, p.published_at = S.PUBLISHED, now
        if p.expires_at is None or p.expires_at <= now:
            p.expires_at = now + timedelta(days=settings.POSTING_DEFAULT_LIFETIME_DAYS)
        p.expires_at = min(p.expires_at, now + timedelta(days=settings.POSTING_MAX_LIFETIME_DAYS))

    posting = _transition(
        posting, allowed={S.PENDING_REVIEW}, action="approve", apply=apply, audit=AuditAction.POSTING_APPROVED,
        actor=moderator, moderating=True,
    )  # fmt: skip
    from jobs.market_position import market_positions_set

    market_positions_set([posting])  # against the market as stored now; beat refreshes it as ranges move
    return posting


def posting_reject(*, posting: JobPosting, moderator, reason: str) -> JobPosting:
    _require_moderator(moderator)
    if not (reason or "").strip():
        raise DomainError("A rejection needs a reason the employer can act on.", field="reason", code="required")

    def apply(p, now):
        p.status, p.rejection_reason = S.REJECTED, reason.strip()

    return _transition(
        posting, allowed={S.PENDING_REVIEW}, action="reject", apply=apply, audit=AuditAction.POSTING_REJECTED,
        actor=moderator, moderating=True, note=reason.strip(),
    )  # fmt: skip


def posting_close(*, posting: JobPosting, user, filled: bool = False) -> JobPosting:
    """Take a posting down: `filled` when the job was filled (published postings only), else closed."""
    _require_member(user, posting.company_id)

    def apply(p, now):
        p.status, p.closed_at = (S.FILLED if filled else S.CLOSED), now

    allowed = {S.PUBLISHED} if filled else {S.DRAFT, S.PENDING_REVIEW, S.PUBLISHED}
    return _transition(
        posting, allowed=allowed, action="mark as filled" if filled else "close", apply=apply, actor=user,
        audit=AuditAction.POSTING_FILLED if filled else AuditAction.POSTING_CLOSED,
    )  # fmt: skip


def posting_reopen(*, posting: JobPosting, user) -> JobPosting:
    """Bring a closed or expired posting back as a draft, to be edited and submitted for review again.

    A filled posting stays filled: that job is done, and a new one is a new posting.
    """
    _require_member(user, posting.company_id)

    def apply(p, now):
        p.status, p.closed_at, p.published_at, p.expires_at = S.DRAFT, None, None, None

    return _transition(
        posting, allowed={S.CLOSED, S.EXPIRED}, action="reopen", apply=apply, audit=AuditAction.POSTING_REOPENED,
        actor=user,
    )  # fmt: skip


def postings_expire_due(*, now=None) -> int:
    """Flip published postings past their `expires_at` to expired and mark their segments.

    They already stopped counting as visible at `expires_at`; this makes the status agree and
    makes sure their segments are recomputed without them.
    """
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            JobPosting.objects.due_to_expire(now)
            .select_related("company")
            .select_for_update(skip_locked=True, of=("self",))[:1000]
        )
        keys: set[str] = set()
        for posting in due:
            keys |= {segment.key for segment in segments_for_posting(posting)}
        # updated_at too: response validators (config.conditional) must never move backwards.
        expired = JobPosting.objects.filter(pk__in=[p.pk for p in due], status=S.PUBLISHED).update(
            status=S.EXPIRED, closed_at=now, updated_at=now
        )
        segments_mark_dirty(keys=keys)
        AuditEvent.objects.bulk_create(
            audit_event(
                action=AuditAction.POSTING_EXPIRED, obj=p, role=ActorRole.SYSTEM, company_id=p.company_id, at=now,
                changes={"status": [S.PUBLISHED.value, S.EXPIRED.value], "expires_at": [_iso(p.expires_at), None]},
            )
            for p in due
        )  # fmt: skip
    return expired
