"""The audit trail: every moderation and curation change, written by the service that makes it.

The services call `audit_record` inside their own transaction, so an event exists exactly when its change
does, whichever entry point called: the API, the admin, a management command or a task. The entry point is
read from a context variable (`audit_via`) that the request middleware and the Celery task signal set;
anything else (a management command, a shell) records as "command".

Company members read their own postings' trail (jobs.selectors.posting_audit_trail): they see which colleague
did what, but a moderator only as "a moderator". Moderators' names are withheld from employers so a
disagreement goes to the moderation policy rather than to a person.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from jobs.models import ActorRole, AuditEvent

_via: ContextVar[str] = ContextVar("audit_via", default="command")
LONG_TEXT = 120  # characters of a text field kept in before/after; longer values are cut with an ellipsis


@contextmanager
def audit_via(name: str):
    token = _via.set(name)
    try:
        yield
    finally:
        _via.reset(token)


def current_via() -> str:
    return _via.get()


def _plain(value):
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral() else format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return value[: LONG_TEXT - 1] + "…"
    if hasattr(value, "pk"):
        return value.pk
    return value


def fields_of(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def changes_between(before: dict, after: dict) -> dict:
    """Field → [before, after] for the fields whose value differs."""
    return {name: [before.get(name), after[name]] for name in after if before.get(name) != after[name]}


def actor_role_of(user, *, moderating: bool = False) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ActorRole.SYSTEM
    if moderating:
        return ActorRole.MODERATOR
    if getattr(user, "is_staff", False) and not user.memberships.exists():
        return ActorRole.STAFF
    return ActorRole.MEMBER


def audit_event(*, action: str, obj, actor=None, role: str | None = None, changes: dict | None = None,
                note: str = "", company_id: int | None = None, at=None, label: str | None = None) -> AuditEvent:  # fmt: skip
    """An unsaved event (for bulk writes); `audit_record` saves one."""
    from django.utils import timezone

    return AuditEvent(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=role or actor_role_of(actor),
        via=current_via(),
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=(label or str(obj))[:200],
        company_id=company_id,
        changes=changes or {},
        note=note,
    )


def audit_record(**kwargs) -> AuditEvent:
    event = audit_event(**kwargs)
    event.save()
    return event


def audit_via_middleware(get_response):
    """Requests record as "admin" under /admin/, else "api" (pages change nothing)."""

    def middleware(request):
        with audit_via("admin" if request.path.startswith("/admin/") else "api"):
            return get_response(request)

    return middleware


_task_tokens: dict[str, object] = {}


def task_started(task_id=None, task=None, **_):
    _task_tokens[task_id] = _via.set(f"task:{task.name}")


def task_finished(task_id=None, **_):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _via.reset(token)
