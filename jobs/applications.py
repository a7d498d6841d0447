"""Applications: a candidate applies to a published posting; the posting's company's members move the
application along received → reviewing → interview → offer → hired, or reject it at any step before hired;
the candidate reads its status. No one else reads either (jobs.selectors.applications_visible_to)."""

from django.db import IntegrityError, transaction

from config.errors import DomainError, InvalidTransition, NotPermitted
from jobs.audit import audit_record
from jobs.models import ActorRole, Application, AuditAction, JobPosting
from jobs.models import ApplicationStatus as A
from jobs.services import user_is_member

# Where an application may go from each status.
NEXT = {
    A.RECEIVED: {A.REVIEWING, A.REJECTED},
    A.REVIEWING: {A.INTERVIEW, A.REJECTED},
    A.INTERVIEW: {A.OFFER, A.REJECTED},
    A.OFFER: {A.HIRED, A.REJECTED},
    A.HIRED: set(),
    A.REJECTED: set(),
}


def application_submit(*, posting: JobPosting, candidate, cover_note: str, cv_url: str) -> Application:
    if not (candidate and candidate.is_authenticated):
        raise NotPermitted("Sign in to apply.")
    if not JobPosting.objects.visible().filter(pk=posting.pk).exists():
        raise InvalidTransition("This job is no longer open for applications.", field=None)
    if user_is_member(candidate, posting.company_id):
        raise NotPermitted("You cannot apply to your own company's posting.", field=None)
    try:
        with transaction.atomic():
            return Application.objects.create(
                posting=posting, candidate=candidate, cover_note=cover_note.strip(), cv_url=cv_url
            )
    except IntegrityError:
        raise DomainError("You have applied to this job already.", field=None, code="already_applied") from None


def application_move(*, application: Application, user, status: str) -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("posting").get(pk=application.pk)
        if not user_is_member(user, application.posting.company_id):
            raise NotPermitted("Only the posting's company moves its applications.", field=None)
        if status not in NEXT[application.status]:
            allowed = ", ".join(sorted(NEXT[application.status])) or "nowhere: it is final"
            raise InvalidTransition(
                f"An application that is {application.status} can move to {allowed}.", field="status"
            )
        before, application.status = application.status, status
        application.save(update_fields=["status", "updated_at"])
        audit_record(action=AuditAction.APPLICATION_MOVED, obj=application, actor=user, role=ActorRole.MEMBER,
                     changes={"status": [before, status]}, company_id=application.posting.company_id)  # fmt: skip
    return application
