from django.db.models import Q, QuerySet
from django.utils import timezone

from jobs.models import Company, JobPosting, PostingStatus, visible_condition
from jobs.services import user_is_moderator


def companies_of(user) -> QuerySet:
    if not (user and user.is_authenticated):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user)


# How each list scope is ordered, for keyset paging (each ends in the id, so it is a total order).
LIST_ORDERINGS = {"public": ("-published_at", "-id"), "mine": ("-created_at", "-id"), "review": ("submitted_at", "id")}


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
