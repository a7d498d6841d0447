"""Pages for candidates, server-rendered and usable without JavaScript: the job search (`/` and `/jobs/`) and a
job's page (`/jobs/<id>/`), plus robots.txt. They run the API's own selectors, filters, pagination and
representation, so a page costs the same constant number of queries as the API list or detail."""

import functools
import json

import nh3
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_safe
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from config.conditional import conditional, posting_validators
from config.errors import DomainError
from config.pagination import KeysetPagination
from insights.regions import REGION_NAMES
from insights.selectors import context_keys_of
from jobs.filters import JobPostingFilter, pay_floor_of
from jobs.jsonld import posting_jsonld
from jobs.models import Company, EmploymentType, RemotePolicy
from jobs.pages import (
    bar_message,
    bar_scale,
    checkboxes_html,
    insufficient_words,
    no_pay_words,
    options_html,
    provenance_words,
    result_html,
    salary_bar,
    salary_bar_html,
    segment_words,
)
from jobs.selectors import posting_head, postings_list, public_ordering
from jobs.serializers import postings_represented
from salaries.money import PayPeriod, rate_on
from salaries.skills import SKILL_CHOICES
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand

PAGE_CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "SGD", "INR", "JPY")
ORDERING_CHOICES = (
    ("newest", "Newest"),
    ("pay", "Highest pay"),
    ("market", "Best pay for its market"),
    ("relevance", "Best match (with a search)"),
)


def _cleaned_params(request):
    """The query without blank values: a form submits every field, filled in or not (the API itself calls
    `remote=` an error; a page leaves a blank field out, as if not given)."""
    params = request.GET.copy()
    for name in list(params):
        values = [value for value in params.getlist(name) if value.strip()]
        if values:
            params.setlist(name, values)
        else:
            del params[name]
    return params


def _errors_of(detail) -> list[dict]:
    if isinstance(detail, dict):
        return [{"field": field, "message": " ".join(str(m) for m in messages)} for field, messages in detail.items()]
    return [{"field": None, "message": " ".join(str(m) for m in detail)}]


def _requested_rate(params):
    code = params.get("currency")
    if not code or code == "USD":
        return None
    return rate_on(code, timezone.now().date())


class _NotKept(Exception):
    """A page that must not be kept under the validator (a refused search: its 400)."""

    def __init__(self, response):
        self.response = response


HTML = "text/html; charset=utf-8"


def _kept_page(request, *, variant: str, build, validators=None):
    """The page kept for the data's validator (config.conditional: ETag, 304, one cached rendering), as the API
    list and detail are; a page `build` refuses to keep is answered as it is."""
    try:
        return conditional(request, variant=variant, build=build, validators=validators, content_type=HTML,
                           render=lambda text: text.encode())  # fmt: skip
    except _NotKept as refused:
        return refused.response


@require_safe
def job_list(request):
    """The search form and a page of results, each with its pay against its market."""
    params = _cleaned_params(request)
    request.GET = params  # the pagination's links and the filter read the cleaned query
    request.META["QUERY_STRING"] = params.urlencode()

    def build():
        context = _search_context(request, params)
        html = render_to_string("jobs/list.html", context)
        if context["errors"]:
            raise _NotKept(HttpResponse(html, status=400, content_type=HTML))
        return html, {}

    return _kept_page(
        request, variant=f"html-list|{request.get_host()}{request.path}|{params.urlencode()}", build=build
    )


def _search_context(request, params) -> dict:
    drf_request = Request(request)
    errors, results, paginator, pay_filter = [], [], None, None
    filterset = JobPostingFilter(data=params, queryset=postings_list(user=None, scope="public"), request=drf_request)
    try:
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        postings = filterset.qs
        ordering = public_ordering(requested=params.get("ordering"), searching=bool(params.get("q", "").strip()))
        paginator = KeysetPagination(ordering)
        page = paginator.paginate(postings, drf_request)
        requested = _requested_rate(params)
        if params.get("pay_min"):
            pay_filter = pay_floor_of(params, params["pay_min"])
        results = postings_represented(page, requested=requested, private=lambda _: False, peers=False)
    except ValidationError as error:
        errors = _errors_of(error.detail)
    except DomainError as error:
        errors = [{"field": "currency", "message": error.message}]
    following, previous = paginator.links() if paginator and not errors else (None, None)
    return {
        "params": params,
        "selected": {name: params.getlist(name) for name in params},
        "errors": errors,
        "results": _listed(results),
        "next_url": following,
        "previous_url": previous,
        "pay_filter": pay_filter,
        "choices": _form_choices(),
        "form": _form_html(params),
        "is_home": request.path == "/",
        "feed_query": params.urlencode(),
    }


def _listed(postings: list[dict], *, items: bool = True) -> list[dict]:
    """Each posting with its salary bar; with `items`, also its search-result markup (the company page has its own)."""
    scale = bar_scale(postings)
    labels = {"level": dict(Level.choices), "remote_policy": dict(RemotePolicy.choices)}
    listed = []
    for posting in postings:
        shown = {**posting, "bar_html": salary_bar_html(salary_bar(posting, scale), bar_message(posting))}
        if items:
            shown["item_html"] = result_html(shown, labels=labels)
        listed.append(shown)
    return listed


FORM_CHECKBOXES = ("level", "remote_policy", "size")
FORM_SKIPPED = {"currency": ("USD",), "period": ("YEAR",)}  # the empty option stands for these


def _form_html(params) -> dict:
    """The search form's options and checkboxes, with the asked values selected."""
    names = ("role", "region", "sector", "employment_type", "skill", "ordering", "currency", "period", *FORM_CHECKBOXES)
    return {name: _form_field_html(name, tuple(sorted(set(params.getlist(name))))) for name in names}


@functools.lru_cache(maxsize=1024)
def _form_field_html(name: str, selected: tuple) -> str:
    """One field's options (or checkboxes), by the values selected: the choices are fixed, so the same selection
    is the same markup (most searches select nothing in most fields)."""
    choices = _form_choices()[name]
    if name in FORM_CHECKBOXES:
        return checkboxes_html(name, choices, selected)
    return options_html(choices, selected, skip=FORM_SKIPPED.get(name, ()))


def _form_choices() -> dict:
    return {
        "role": RoleFamily.choices,
        "level": Level.choices,
        "region": list(REGION_NAMES.items()),
        "remote_policy": RemotePolicy.choices,
        "employment_type": EmploymentType.choices,
        "size": SizeBand.choices,
        "sector": Sector.choices,
        "skill": SKILL_CHOICES,
        "currency": [(code, code) for code in PAGE_CURRENCIES],
        "period": PayPeriod.choices,
        "ordering": ORDERING_CHOICES,
    }


@require_safe
def job_detail(request, pk: int):
    """One visible posting with its pay, total compensation, its market and peers, and its JSON-LD. Kept under
    the validators of what it shows (the posting, its company, the ranges it reads, the rates), as the API's."""
    head = posting_head(pk=pk)
    if head is None:
        raise Http404("No such job, or it is no longer open.")
    keys = context_keys_of(
        role_family=head["role_family"], level=head["level"], country=head["country"],
        size_band=head["company__size_band"], sector=head["company__sector"],
    )  # fmt: skip
    params = _cleaned_params(request)

    def build():
        posting = postings_list(user=None, scope="public").filter(pk=pk).first()
        if posting is None:  # it stopped being visible a moment ago
            raise Http404("No such job, or it is no longer open.")
        return render_to_string("jobs/detail.html", _detail_context(request, posting, params)), {}

    return _kept_page(request, variant=f"html-detail|{request.get_full_path()}|{request.get_host()}",
                      build=build, validators=posting_validators(head, keys))  # fmt: skip


def _detail_context(request, posting, params) -> dict:
    try:
        requested = _requested_rate(params)
    except DomainError:
        requested = None
    shown = postings_represented([posting], requested=requested, private=lambda _: False, peers=True)[0]
    context = shown["salary_context"]
    peers = []
    for name, peer in (context.get("peers") or {}).items():
        peers.append({
            "name": {"size_band": "Companies of its size", "sector": "Companies in its sector"}.get(name, name),
            "segment": segment_words(peer["segment"]),
            "peer": peer,
        })  # fmt: skip
    base_url = request.build_absolute_uri("/")[:-1]
    return {
        "posting": shown,
        "bar_html": salary_bar_html(salary_bar(shown)),
        "context": context,
        "segment": segment_words(context["segment"]),
        "provenance": provenance_words(context) if context["status"] == "ok" else None,
        "insufficient": insufficient_words(context) if context["status"] != "ok" else None,
        "no_pay": no_pay_words(shown) if shown["pay"] is None else None,
        "peers": peers,
        "jsonld": jsonld_script(posting_jsonld(posting, company=posting.company, base_url=base_url)),
        "canonical": f"{base_url}{reverse('job-page', args=[posting.pk])}",
        # Cleaned when it was saved (jobs.services); cleaned again here, since an admin or an import could
        # have written it another way.
        "description_html": mark_safe(nh3.clean(shown["description"] or "")),  # noqa: S308 - sanitised
        "choices": _form_choices(),
    }


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld_script(data: dict) -> str:
    """A `<script type="application/ld+json">` element holding `data`, escaped so that no value can end the
    element or open another (the same escaping as Django's json_script, which only writes application/json)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Allow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def company_page(request, slug: str):
    """A company's public page: who it is and its open postings, newest first (one page of them)."""
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise Http404("No such company.")
    postings = list(
        postings_list(user=None, scope="public").filter(company=company).order_by("-published_at", "-id")[:50]
    )
    shown = postings_represented(postings, requested=None, private=lambda _: False, peers=False)
    context = {"company": company, "results": _listed(shown, items=False), "choices": _form_choices()}
    return render(request, "jobs/company.html", context)


@csrf_exempt  # the token is the secret; mail clients' one-click unsubscribe (RFC 8058) posts without a form
def unsubscribe_page(request, token: str):
    """GET asks (a link scanner must not unsubscribe anyone); POST stops the saved search's alerts."""
    from jobs.alerts import saved_search_unsubscribe
    from jobs.models import SavedSearch

    if request.method == "POST":
        search = saved_search_unsubscribe(token=token)
        done = True
    elif request.method in ("GET", "HEAD"):
        search, done = SavedSearch.objects.filter(unsubscribe_token=token).first(), False
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    if search is None:
        raise Http404("No saved search with this link.")
    return render(request, "jobs/unsubscribe.html", {"search": search, "done": done})
