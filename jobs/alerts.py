"""Saved searches and their alerts: a candidate saves a search of the job list (its query string, checked as the
list checks it), and a beat task mails them each new posting that matches, once per candidate and posting.

Once means once: before a mail goes out, each posting in it is claimed for its candidate by inserting a
SearchAlert row, unique per (candidate, posting), in its own committed transaction. A second worker running at
the same time, a retried task or a second saved search matching the same posting finds the row and sends
nothing. If the mail backend raises, the claims of that mail are released, so the next run sends it; if the
process dies between claiming and the backend's answer, the claims stay unsent (`sent_at` empty) and are not
sent again, since no one can know whether the mail left: at most once, never twice, and counted
(`alerts_unconfirmed`).

A posting can commit a little after its `published_at` (the approve transaction's time): each run looks back
LOOKBACK before the last run, so a late commit is still found; the claims keep that from sending twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from config.errors import DomainError, NotPermitted
from jobs.filters import JobPostingFilter
from jobs.models import SavedSearch, SearchAlert
from jobs.pages import country_name
from jobs.selectors import postings_list

LOOKBACK = timedelta(hours=1)
MAX_POSTINGS_PER_MAIL = 20
MAX_SAVED_SEARCHES = 20  # per candidate
NOT_SAVED = ("cursor", "page_size", "ordering", "facets", "count", "scope")


def _filterset(query: str):
    params = QueryDict(query, mutable=True)
    for name in NOT_SAVED:
        params.pop(name, None)
    return JobPostingFilter(data=params, queryset=postings_list(user=None, scope="public")), params


def saved_search_matches(query: str):
    """The visible postings a saved query matches, as the list would find them today. Raises DomainError naming
    the query's field at fault."""
    filterset, _ = _filterset(query)
    try:
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs
    except ValidationError as error:
        detail = error.detail if isinstance(error.detail, dict) else {"query": error.detail}
        field, messages = next(iter(detail.items()))
        raise DomainError(
            f"{field}: {' '.join(str(m) for m in messages)}", field="query", code="invalid_query"
        ) from None


KNOWN = set(JobPostingFilter.base_filters) | {"currency"}


def saved_search_create(*, user, name: str, query: str) -> SavedSearch:
    if not (user and user.is_authenticated):
        raise NotPermitted("Sign in to save a search.")
    query = query.lstrip("?")
    _, params = _filterset(query)
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        raise DomainError(f"No such search parameter: {unknown[0][:40]!r}.", field="query", code="invalid_query")
    if not params:
        raise DomainError("An empty search would alert every job: give at least one filter.", field="query",
                          code="invalid_query")  # fmt: skip
    saved_search_matches(query)  # refused now, not at the first alert
    if len(params.urlencode()) > SavedSearch._meta.get_field("query").max_length:
        raise DomainError("This search is too long to save.", field="query", code="too_long")
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise DomainError(f"At most {MAX_SAVED_SEARCHES} saved searches each.", field=None, code="too_many")
    return SavedSearch.objects.create(user=user, name=name.strip() or "My search", query=params.urlencode())


def saved_search_unsubscribe(*, token: str) -> SavedSearch | None:
    """Stop a saved search's alerts (the link in every alert mail); None when the token names none."""
    search = SavedSearch.objects.filter(unsubscribe_token=token).first()
    if search is not None and search.alerts:
        search.alerts = False
        search.save(update_fields=["alerts"])
    return search


def _claim(search: SavedSearch, posting) -> bool:
    try:
        with transaction.atomic():
            SearchAlert.objects.create(user_id=search.user_id, posting=posting, saved_search=search)
        return True
    except IntegrityError:
        return False  # announced already: by another of their searches, an earlier run or another worker


def _message(search: SavedSearch, postings: list, connection) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    unsubscribe = f"{site}{reverse('alerts-unsubscribe', args=[search.unsubscribe_token])}"
    lines = [f"New jobs for your saved search “{search.name}”:", ""]
    for posting in postings:
        place = ", ".join(part for part in (posting.city, country_name(posting.country)) if part)
        lines += [
            f"{posting.title} at {posting.company.name} ({place})",
            f"  {posting.pay_words()[:1].upper()}{posting.pay_words()[1:]}",
            f"  {site}{reverse('job-page', args=[posting.pk])}",
            "",
        ]
    lines += [f"The search: {site}{reverse('job-list')}?{search.query}", f"Stop these alerts: {unsubscribe}"]
    return EmailMessage(
        subject=f"{len(postings)} new job{'s' if len(postings) != 1 else ''}: {search.name}",
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[search.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
        connection=connection,
    )


def search_alerts_send(*, now=None, batch: int = 200) -> dict:
    """One run over every saved search with alerts on: claim and mail its new matches. Returns counts."""
    now = now or timezone.now()
    counts = {"searches": 0, "mails": 0, "postings": 0, "already_sent": 0, "send_failures": 0, "invalid": 0}
    connection = get_connection()
    last_id = 0
    while True:
        searches = list(
            SavedSearch.objects.filter(alerts=True, id__gt=last_id).select_related("user").order_by("id")[:batch]
        )
        if not searches:
            break
        last_id = searches[-1].id
        for search in searches:
            counts["searches"] += 1
            if not search.user.email:
                continue
            try:
                matches = saved_search_matches(search.query)
            except DomainError:
                counts["invalid"] += 1  # a filter value that no longer exists (a company renamed its slug)
                continue
            since = max(search.created_at, search.alerts_since - LOOKBACK)
            new = list(
                matches.filter(published_at__gt=since, published_at__lte=now)
                .exclude(pk__in=SearchAlert.objects.filter(user_id=search.user_id).values("posting_id"))
                .order_by("published_at", "id")[:MAX_POSTINGS_PER_MAIL]
            )
            claimed = [posting for posting in new if _claim(search, posting)]
            counts["already_sent"] += len(new) - len(claimed)
            if claimed:
                ids = [posting.pk for posting in claimed]
                try:
                    _message(search, claimed, connection).send()
                except Exception:  # noqa: BLE001 - any backend failure: release the claims, try next run
                    SearchAlert.objects.filter(user_id=search.user_id, posting_id__in=ids, sent_at=None).delete()
                    counts["send_failures"] += 1
                    continue
                SearchAlert.objects.filter(user_id=search.user_id, posting_id__in=ids).update(sent_at=timezone.now())
                counts["mails"] += 1
                counts["postings"] += len(claimed)
            if len(new) < MAX_POSTINGS_PER_MAIL:  # all caught up; else the next run continues from here
                SavedSearch.objects.filter(pk=search.pk).update(alerts_since=now)
    counts["alerts_unconfirmed"] = SearchAlert.objects.filter(
        sent_at=None, claimed_at__lt=now - timedelta(minutes=10)
    ).count()
    return counts
