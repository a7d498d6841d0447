"""The public read path: constant cost per request, keyset pages, conditional requests, public fields only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs import services
from jobs.models import JobPosting
from tests.factories import CompanyFactory, PublishedPostingFactory

JOBS = "/api/v1/jobs/"
MARKET_RANGES = "/api/v1/market-ranges/"
PRIVATE = {"status", "rejection_reason", "source_ref", "created_at", "submitted_at", "closed_at"}


@pytest.fixture
def market(django_capture_on_commit_callbacks):
    """101 published postings from seven companies in two countries, with their market ranges computed."""
    companies = [CompanyFactory(size_band=["startup", "mid_size", "large"][n % 3]) for n in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(101):
            PublishedPostingFactory(
                company=companies[n % 7], country=["US", "DE"][n % 2], city="",
                salary_min=Decimal(100_000 + 500 * n), salary_max=Decimal(140_000 + 500 * n),
            )  # fmt: skip
    return list(JobPosting.objects.order_by("-published_at", "-id").values_list("pk", flat=True))


def queries_for(api, url: str, params: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def cursor_after(api, position: int, params: dict | None = None) -> str:
    """The cursor of the page that starts after `position` postings of the feed."""
    body = api.get(JOBS, {**(params or {}), "page_size": position}).json()
    return body["next"].split("cursor=")[1].split("&")[0]


@pytest.mark.django_db
def test_the_jobs_list_costs_the_same_queries_at_any_page_size_depth_and_filter(api, market):
    counts = {}
    for filters in ({}, {"country": "US"}, {"size": "startup", "role": "ml_engineer"}):
        deep = cursor_after(api, 20 if filters else 90, filters)
        for size in (1, 100):
            for where, cursor in (("first", None), ("deep", deep)):
                params = {**filters, "page_size": size, **({"cursor": cursor} if cursor else {})}
                count, body = queries_for(api, JOBS, params)
                assert body["results"] and all(job["salary_context"]["status"] == "ok" for job in body["results"])
                counts[str(filters), size, where] = count
    # Validators, the page, the stored releases of every segment its contexts can look at: no count, no aggregate.
    assert set(counts.values()) == {3}, counts


@pytest.mark.django_db
def test_the_market_range_listing_costs_the_same_at_any_page_size(api, market):
    counts = {size: queries_for(api, MARKET_RANGES, {"page_size": size})[0] for size in (1, 100)}
    deep = api.get(MARKET_RANGES, {"page_size": 3}).json()["next"].split("cursor=")[1].split("&")[0]
    counts["deep"] = queries_for(api, MARKET_RANGES, {"page_size": 100, "cursor": deep})[0]
    # Validators, the page, and (when the page holds a withheld range) the nearest published wider segments.
    assert max(counts.values()) <= 3, counts


@pytest.mark.django_db
def test_pages_follow_the_feed_both_ways_with_links(api, market):
    seen, url, pages = [], JOBS + "?page_size=7", []
    while url:
        response = api.get(url)
        body = response.json()
        seen += [job["id"] for job in body["results"]]
        pages.append(body)
        if body["next"]:
            assert f'<{body["next"]}>; rel="next"' in response["Link"]
        url = body["next"]
    assert seen == market  # every posting once, newest first
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    backwards, url = [], pages[-1]["previous"]
    while url:
        body = api.get(url).json()
        backwards = [job["id"] for job in body["results"]] + backwards
        url = body["previous"]
    assert backwards == market[: len(backwards)] and len(backwards) == len(market) - len(pages[-1]["results"])
    assert "count" not in pages[0]  # nothing counts the table unless asked
    counted = api.get(JOBS, {"count": "true", "country": "DE"}).json()
    assert (counted["count"], counted["count_is_exact"]) == (50, True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"page_size": "null"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"cursor": "!!"}, "cursor"),
        ({"page": "2"}, "page"),
        ({"count": "maybe"}, "count"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(api, params, field):
    for url in (JOBS, MARKET_RANGES):
        response = api.get(url, params)
        assert response.status_code == 400, (url, params, response.content)
        assert response.json()["error"]["fields"][0]["field"] == field


@pytest.mark.django_db
def test_conditional_requests_answer_304_until_something_changes(api, market, django_capture_on_commit_callbacks):
    for url in (JOBS, f"{JOBS}{market[0]}/", MARKET_RANGES + "?role=ml_engineer"):
        first = api.get(url)
        etag, modified = first["ETag"], first["Last-Modified"]
        assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert api.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
        assert api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    etags = {url: api.get(url)["ETag"] for url in (JOBS, f"{JOBS}{market[0]}/", MARKET_RANGES)}
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(salary_min=Decimal(300_000), salary_max=Decimal(320_000))
    for url, etag in etags.items():
        assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200, url  # new data: a new validator


@pytest.mark.django_db
def test_an_expiry_changes_the_validator_before_any_task_runs(api):
    posting = PublishedPostingFactory()
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() + timedelta(seconds=1))
    etag = api.get(JOBS)["ETag"]
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get(JOBS, HTTP_IF_NONE_MATCH=etag)
    # update() bypasses updated_at, as time passing does: the validator still moves, by the passed expiry.
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.django_db
def test_the_public_sees_public_fields_and_members_see_the_workflow(api, as_user, employer, company):
    posting = PublishedPostingFactory(company=company, source_ref="REQ-7")
    public = api.get(JOBS).json()["results"][0]
    assert not PRIVATE & set(public) and public["id"] == posting.pk
    assert not PRIVATE & set(api.get(f"{JOBS}{posting.pk}/").json())
    owner = as_user(employer)
    assert PRIVATE <= set(owner.get(f"{JOBS}{posting.pk}/").json())
    assert owner.get(f"{JOBS}{posting.pk}/").json()["source_ref"] == "REQ-7"
    [mine] = owner.get(JOBS, {"scope": "mine"}).json()["results"]
    assert mine["status"] == "published"
    # A member's view of the public list is the public one.
    assert not PRIVATE & set(owner.get(JOBS).json()["results"][0])
    services.posting_close(posting=posting, user=employer)
    assert api.get(f"{JOBS}{posting.pk}/").status_code == 404
