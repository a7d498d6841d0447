"""RSS and Atom feeds of published jobs (Django's syndication framework), filtered like the list:
`/jobs/feed/rss/?level=senior&country=DE&pay_min=90000&currency=EUR`. A filter the list refuses is a 400 here too."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from jobs.filters import JobPostingFilter
from jobs.pages import country_name
from jobs.selectors import postings_list

FEED_LENGTH = 50


class InvalidFeedFilter(Exception):
    def __init__(self, detail):
        self.detail = detail


class JobsFeed(Feed):
    title = "New ML and data jobs, with their pay"
    description = "Published job postings, newest first, each with its pay as the employer posted it."

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFeedFilter as error:
            lines = [f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in error.detail.items()]
            return HttpResponseBadRequest("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

    def get_object(self, request):
        params = request.GET.copy()
        for name in ("ordering", "facets", "cursor", "page_size"):
            params.pop(name, None)  # a feed is the newest first, FEED_LENGTH of them
        filterset = JobPostingFilter(
            data=params, queryset=postings_list(user=None, scope="public"), request=Request(request)
        )
        try:
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            postings = filterset.qs
        except ValidationError as error:
            raise InvalidFeedFilter(
                error.detail if isinstance(error.detail, dict) else {"query": error.detail}
            ) from None
        self._query = params.urlencode()
        return postings

    def link(self, obj):
        return reverse("job-list") + (f"?{self._query}" if self._query else "")

    def items(self, obj):
        return list(obj.order_by("-published_at", "-id")[:FEED_LENGTH])

    def item_title(self, item):
        return f"{item.title} at {item.company.name}"

    def item_description(self, item):
        place = ", ".join(part for part in (item.city, country_name(item.country)) if part)
        return f"{item.company.name} · {place} · {item.get_remote_policy_display()} · {item.pay_words()}"

    def item_link(self, item):
        return reverse("job-page", args=[item.pk])

    def item_guid(self, item):
        return f"job-posting-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.company.name

    def item_categories(self, item):
        return [item.get_role_family_display(), item.get_level_display(), *(item.skills or [])]


class JobsAtomFeed(JobsFeed):
    feed_type = Atom1Feed
    subtitle = JobsFeed.description
