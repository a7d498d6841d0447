"""B, the ceiling: the public feed's page straight from one `.values()` query, as JsonResponse (no DRF, no salary
context). Newest first (`-published_at, -id`); `?published_before=<ISO time>&id_before=<id>` starts after that row
(the keyset bound the project's cursor encodes)."""

from datetime import datetime

from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone

from jobs.models import JobPosting

PAGE_SIZE = 20
FEED_ORDER = ("-published_at", "-id")
POSTING_VALUES = (
    "id", "title", "description", "role_family", "level", "employment_type", "city", "country", "remote_policy",
    "salary_min", "salary_max", "salary_currency", "salary_period", "salary_min_usd", "salary_max_usd",
    "salary_mid_usd", "total_comp_mid_usd", "fx_rate_to_usd", "fx_rate_date", "bonus_target_pct",
    "bonus_target_amount", "equity_pct_min", "equity_pct_max", "company_valuation", "equity_grant_amount",
    "vesting_years", "sign_on_bonus", "published_at", "expires_at", "updated_at",
    "company__id", "company__name", "company__slug", "company__size_band", "company__funding_stage",
    "company__industry", "company__sector", "company__headquarters_country", "company__is_verified",
)  # fmt: skip


def visible_postings(now):
    """Published and not past its expiry time. Written out here rather than taken from the project's queryset,
    so the references stay put while the project's code changes."""
    return JobPosting.objects.filter(Q(status="published") & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)))


def after_row(published_at: datetime, posting_id: int) -> Q:
    """Rows after (published_at, id) in feed order, with the first column's bound also on its own so PostgreSQL
    walks the feed index from there (as config.pagination does)."""
    later = Q(published_at__lt=published_at) | Q(published_at=published_at, id__lt=posting_id)
    return Q(published_at__lte=published_at) & later


def job_list(request):
    postings = visible_postings(timezone.now()).order_by(*FEED_ORDER)
    if "published_before" in request.GET:
        try:
            bound = after_row(datetime.fromisoformat(request.GET["published_before"]), int(request.GET["id_before"]))
        except (KeyError, ValueError):
            return JsonResponse({"error": "published_before needs an ISO time and id_before an id"}, status=400)
        postings = postings.filter(bound)
    return JsonResponse({"results": list(postings.values(*POSTING_VALUES)[:PAGE_SIZE])})


def job_detail(request, posting_id: int):
    rows = list(visible_postings(timezone.now()).filter(pk=posting_id).values(*POSTING_VALUES)[:1])
    if not rows:
        raise Http404
    return JsonResponse(rows[0])


SEARCH_ORDERS = {"newest": FEED_ORDER, "pay": ("-salary_mid_usd", "-id"), "rank": ("-rank", "-id")}


def job_search(request):
    """B for the search queries: the same page as the project's search from one hand-written query. Filters
    `role`, `level`, `country`, `min_annual_usd` (on the annual USD maximum, as the project compares pay), `q`
    (PostgreSQL full text, websearch syntax, English), `order` newest, pay or rank."""
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F

    params = request.GET
    postings = visible_postings(timezone.now())
    for name, column in (("role", "role_family"), ("level", "level"), ("country", "country")):
        if params.get(name):
            postings = postings.filter(**{column: params[name]})
    if params.get("min_annual_usd"):
        postings = postings.filter(salary_max_usd__gte=params["min_annual_usd"])
    if params.get("q"):
        query = SearchQuery(params["q"], config="english", search_type="websearch")
        postings = postings.filter(search_vector=query)
        if params.get("order") == "rank":  # among the 2,000 newest matches, as the project ranks
            newest = postings.order_by(*FEED_ORDER).values("pk")[:2000]
            postings = visible_postings(timezone.now()).filter(pk__in=newest)
            postings = postings.annotate(
                rank=SearchRank(F("search_vector"), query, cover_density=True, normalization=1)
            )
    order = SEARCH_ORDERS.get(params.get("order", "newest"), FEED_ORDER)
    if order == SEARCH_ORDERS["pay"]:
        postings = postings.filter(salary_mid_usd__isnull=False)  # as the project's pay ordering
    return JsonResponse({"results": list(postings.order_by(*order).values(*POSTING_VALUES)[:PAGE_SIZE])})
