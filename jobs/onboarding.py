"""Self-service accounts: candidates and employers sign up; an employer creates a company (through company_save,
the service the admin uses), moderators verify it before any of its postings can be approved, members invite
colleagues by e-mail and leave."""

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.errors import DomainError, NotPermitted
from jobs.audit import audit_record
from jobs.models import (
    ActorRole,
    AuditAction,
    Company,
    CompanyInvitation,
    CompanyMembership,
    MembershipRole,
)
from jobs.services import company_save, user_is_member, user_is_moderator


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


def account_sign_up(*, username: str, email: str, password: str):
    """A new user (a candidate until they create or join a company). The password passes Django's validators."""
    users = get_user_model()
    if users.objects.filter(username__iexact=username).exists():
        raise Conflict("This user name is taken.", field="username", code="taken")
    candidate = users(username=username, email=email)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise DomainError(" ".join(error.messages), field="password", code="weak_password") from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # the same name, signed up at the same moment
        raise Conflict("This user name is taken.", field="username", code="taken") from None
    return candidate


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "company"
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def company_onboard(*, user, data: dict) -> Company:
    """A company created by a signed-in user, who becomes its owner. Not verified: its postings can be written
    and submitted, but a moderator approves none of them until the company is verified."""
    if not (user and user.is_authenticated):
        raise NotPermitted("Sign in to create a company.")
    with transaction.atomic():
        company = Company(**data, slug=_unique_slug(data["name"]), is_verified=False)
        company_save(company=company, user=user)
        CompanyMembership.objects.create(user=user, company=company, role=MembershipRole.OWNER)
    return company


def company_verify(*, company: Company, moderator) -> Company:
    if not user_is_moderator(moderator):
        raise NotPermitted("Only moderators verify companies.")
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if not company.is_verified:
            company.is_verified = True
            company.save(update_fields=["is_verified", "updated_at"])
            audit_record(
                action=AuditAction.COMPANY_VERIFIED, obj=company, actor=moderator, role=ActorRole.MODERATOR,
                changes={"is_verified": [False, True]}, company_id=company.pk,
            )  # fmt: skip
    return company


def member_invite(*, company: Company, user, email: str, accept_url) -> CompanyInvitation:
    """Invite a colleague: an e-mail with a one-time link. `accept_url(token)` builds the link."""
    if not user_is_member(user, company.pk):
        raise NotPermitted("Only the company's members invite colleagues.", field=None)
    email = email.strip().lower()
    if CompanyMembership.objects.filter(company=company, user__email__iexact=email).exists():
        raise Conflict("Someone with this address is already a member.", field="email", code="already_member")
    with transaction.atomic():
        invitation, created = CompanyInvitation.objects.get_or_create(
            company=company, email=email, accepted_at=None, defaults={"invited_by": user}
        )
        if created:
            audit_record(action=AuditAction.MEMBER_INVITED, obj=company, actor=user, role=ActorRole.MEMBER,
                         changes={"invited": [None, email]}, company_id=company.pk)  # fmt: skip
    send_mail(
        subject=f"Join {company.name} on the job board",
        message=f"{user.get_username()} invites you to post and manage jobs for {company.name}.\n\n"
        f"Accept (signed in with the account you want to use): {accept_url(invitation.token)}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    return invitation


def invitation_accept(*, token: str, user) -> CompanyMembership:
    if not (user and user.is_authenticated):
        raise NotPermitted("Sign in to accept an invitation.")
    with transaction.atomic():
        invitation = CompanyInvitation.objects.select_for_update().filter(token=token).first()
        if invitation is None or invitation.accepted_at is not None:
            raise DomainError("No open invitation with this token.", field="token", code="invalid_invitation")
        if (user.email or "").lower() != invitation.email:
            raise NotPermitted("This invitation was sent to another address.", field="token")
        membership, _ = CompanyMembership.objects.get_or_create(
            user=user, company=invitation.company, defaults={"role": MembershipRole.RECRUITER}
        )
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(action=AuditAction.MEMBER_JOINED, obj=invitation.company, actor=user, role=ActorRole.MEMBER,
                     changes={"member": [None, user.get_username()]}, company_id=invitation.company_id)  # fmt: skip
    return membership


def member_leave(*, company: Company, user) -> None:
    """Leave a company. The last member cannot leave (the company would have no one to answer for its postings);
    when its last owner leaves, the longest-standing remaining member becomes its owner (recorded)."""
    with transaction.atomic():
        members = list(CompanyMembership.objects.select_for_update().filter(company=company).order_by("id"))
        mine = next((m for m in members if m.user_id == user.pk), None)
        if mine is None:
            raise NotPermitted("You are not a member of this company.", field=None)
        if len(members) == 1:
            raise Conflict("The last member cannot leave the company.", code="last_member")
        changes = {"member": [user.get_username(), None]}
        others = [m for m in members if m.pk != mine.pk]
        if not any(m.role == MembershipRole.OWNER for m in others):
            heir = others[0]
            heir.role = MembershipRole.OWNER
            heir.save(update_fields=["role"])
            changes["owner"] = [user.get_username(), heir.user.get_username()]
        mine.delete()
        audit_record(action=AuditAction.MEMBER_LEFT, obj=company, actor=user, role=ActorRole.MEMBER,
                     changes=changes, company_id=company.pk)  # fmt: skip
