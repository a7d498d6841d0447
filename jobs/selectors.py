from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from jobs.models import ActorRole, AuditEvent, Company, JobPosting, PostingStatus, visible_condition
from jobs.services import user_is_moderator


def companies_of(user) -> QuerySet:
    if not (user and user.is_authenticated):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user)


# How each list scope is ordered, for keyset paging (each ends in the id, so it is a total order).
LIST_ORDERINGS = {"public": ("-published_at", "-id"), "mine": ("-created_at", "-id"), "review": ("submitted_at", "id")}
# What a candidate may sort the public list by (`?ordering=`): newest first (the default without a search), highest
# pay (the annual USD midpoint), best match (the default with `q`; PostgreSQL's rank, newest on SQLite).
PUBLIC_ORDERINGS = {
    "newest": ("-published_at", "-id"),
    "pay": ("-salary_mid_usd", "-id"),
    "relevance": ("-rank", "-id"),
    "market": ("-market_percentile", "-id"),
}
# Facet counts a list may ask for (`?facets=level,country`): the posting field each counts by.
FACETS = {"role": "role_family", "level": "level", "country": "country", "remote_policy": "remote_policy",
          "employment_type": "employment_type", "size": "company__size_band", "sector": "company__sector"}  # fmt: skip
FACET_VALUES = 30  # the most common values of each facet


def public_ordering(*, requested: str | None, searching: bool) -> tuple[str, ...]:
    """The keyset ordering of the public list; a search on SQLite cannot rank, so best match is newest there."""
    from django.db import connection

    name = requested or ("relevance" if searching else "newest")
    if name == "relevance" and not (searching and connection.vendor == "postgresql"):
        name = "newest"
    return PUBLIC_ORDERINGS[name]


def postings_facets(queryset: QuerySet, names: list[str]) -> dict[str, list[dict]]:
    """Count the matching postings by each facet: one grouped query per facet, its FACET_VALUES most common
    values. Posting counts are public (every counted posting is listed); no pay figure is given per facet."""
    from django.db.models import Count

    facets = {}
    for name in names:
        field = FACETS[name]
        rows = queryset.order_by().values(field).annotate(n=Count("id")).order_by("-n", field)[:FACET_VALUES]
        facets[name] = [{"value": row[field], "count": row["n"]} for row in rows]
    return facets


def postings_visible_to(*, user, now=None) -> QuerySet:
    """Postings a viewer may open: visible ones, their own companies' in any state, all for moderators."""
    postings = JobPosting.objects.select_related("company")
    if user_is_moderator(user):
        return postings
    visible = visible_condition(now or timezone.now())
    if user and user.is_authenticated:
        return postings.filter(visible | Q(company__in=companies_of(user)))
    return postings.filter(visible)


def postings_list(*, user, scope: str = "public", now=None) -> QuerySet:
    """Postings for a list page. `public`: what candidates see; `mine`: the viewer's companies'
    postings in any state; `review`: the moderation queue (moderators only)."""
    now = now or timezone.now()
    postings = JobPosting.objects.select_related("company")
    if scope == "mine":
        return postings.filter(company__in=companies_of(user))
    if scope == "review":
        if not user_is_moderator(user):
            return postings.none()
        return postings.filter(status=PostingStatus.PENDING_REVIEW)
    return postings.visible(now)


def posting_head(*, pk, now=None) -> dict | None:
    """What a visible posting's public page depends on, by id: one indexed lookup, or None when not visible."""
    return (
        JobPosting.objects.filter(visible_condition(now or timezone.now()), pk=pk)
        .values(
            "updated_at", "expires_at", "role_family", "level", "country", "company__updated_at",
            "company__size_band", "company__sector",
        )
        .first()
    )  # fmt: skip


def audit_trail_of(obj) -> QuerySet:
    """The audit trail of one object, newest first (one indexed lookup)."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=True), object_id=str(obj.pk)
    ).select_related("actor")


def posting_audit_trail(*, posting) -> list[dict]:
    """A posting's trail as its company's members read it: what happened, when, the before and after, and who,
    except that a moderator is named only as "a moderator" (jobs.audit says why)."""
    return [
        {
            "at": event.at,
            "action": event.action,
            "action_display": event.get_action_display(),
            "actor": None if event.actor_role == ActorRole.MODERATOR or event.actor is None else event.actor.username,
            "actor_role": event.actor_role,
            "via": event.via.split(":")[0],
            "changes": event.changes,
            "note": event.note,
        }
        for event in audit_trail_of(posting)[:200]
    ]


def possible_duplicates(postings, *, window) -> dict[int, list]:
    """For each posting, others of the same company with the same title (ignoring case) and place created within
    `window` of it: flagged to moderators, never dropped. One query for any number of postings."""
    if not postings:
        return {}
    times = [p.created_at for p in postings]
    candidates = (
        JobPosting.objects.annotate(title_key=Lower("title"))
        .filter(
            company_id__in={p.company_id for p in postings},
            title_key__in={p.title.lower() for p in postings},
            created_at__range=(min(times) - window, max(times) + window),
        )
        .only("pk", "company_id", "title", "country", "city_slug", "created_at", "status")
    )
    by_key: dict[tuple, list] = {}
    for other in candidates:
        by_key.setdefault((other.company_id, other.title.lower(), other.country, other.city_slug), []).append(other)
    return {
        p.pk: [
            other for other in by_key.get((p.company_id, p.title.lower(), p.country, p.city_slug), [])
            if other.pk != p.pk and abs(other.created_at - p.created_at) <= window
        ]
        for p in postings
    }  # fmt: skip


def possible_reposts(postings, *, window) -> dict[int, list]:
    """For each posting, postings of other companies with the same text (content fingerprint) created within
    `window` of it: a job copied from another company's board, flagged to moderators. One indexed query."""
    printed = [p for p in postings if p.content_fingerprint]
    if not printed:
        return {p.pk: [] for p in postings}
    times = [p.created_at for p in printed]
    candidates = (
        JobPosting.objects.filter(
            content_fingerprint__in={p.content_fingerprint for p in printed},
            created_at__range=(min(times) - window, max(times) + window),
        )
        .select_related("company")
        .only("pk", "company_id", "company__name", "content_fingerprint", "created_at", "status")
    )
    by_print: dict[str, list] = {}
    for other in candidates:
        by_print.setdefault(other.content_fingerprint, []).append(other)
    return {
        p.pk: [
            other for other in by_print.get(p.content_fingerprint, [])
            if other.company_id != p.company_id and abs(other.created_at - p.created_at) <= window
        ]
        for p in postings
    }  # fmt: skip


def applications_visible_to(user) -> QuerySet:
    """Applications a user may read: those they sent, and those to their companies' postings. No one else's,
    moderators' included."""
    from jobs.models import Application

    if not (user and user.is_authenticated):
        return Application.objects.none()
    return Application.objects.select_related("posting__company", "candidate").filter(
        Q(candidate=user) | Q(posting__company__in=companies_of(user))
    )
