"""The candidate pages through the real URLconf: the job search and a job's page (salary bar, provenance in words,
JSON-LD read back with a real structured-data parser), the feeds, the sitemap and robots.txt."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import extruct
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insights.services import market_ranges_rebuild
from jobs import services
from jobs.models import JobPosting, RemotePolicy
from tests.factories import CompanyFactory, ModeratorFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def browser():
    return Client()


def market(level="senior", country="US", n=8, base=150_000):
    """n postings from n companies: a published market range for this role, level and country."""
    postings = []
    for i in range(n):
        amount = Decimal(base + 5_000 * i)
        postings.append(
            PublishedPostingFactory(
                company=CompanyFactory(),
                level=level,
                country=country,
                city="Seattle",
                salary_min=amount,
                salary_max=amount + 20_000,
            )  # fmt: skip
        )
    market_ranges_rebuild()
    return postings


def page_ids(response) -> list[int]:
    html = response.content.decode()
    return [int(chunk.split("/", 1)[0]) for chunk in html.split('<h2><a href="/jobs/')[1:]]


def jsonld_of(response) -> list[dict]:
    data = extruct.extract(response.content.decode(), base_url="http://testserver/", syntaxes=["json-ld"])
    return data["json-ld"]


def test_the_search_page_lists_jobs_with_pay_and_where_it_sits_in_its_market(browser):
    postings = market()
    thin = PublishedPostingFactory(level="director", country="NZ", city="Auckland", title="Director of ML")
    market_ranges_rebuild()
    response = browser.get("/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert set(page_ids(response)) == {p.pk for p in postings} | {thin.pk}
    # Each job of a published market has its bar (a figure with the label the context gave) and says it in words.
    assert html.count('<figure class="salary"') == len(postings)
    assert "percentile of senior machine learning engineers in United States, last 12 months" in html
    # The thin market says why there is no bar.
    assert "Not enough data to compare this pay with its market" in html
    assert "fewer than 5 data points" in html
    # Every form control has a label.
    for name in ("q", "role", "country", "city", "region", "pay_min", "currency", "period", "sector", "skill"):
        assert f'<label for="{name}">' in html, name
    # The home page is the same search.
    home = browser.get("/")
    assert home.status_code == 200 and set(page_ids(home)) == set(page_ids(response))


def test_the_search_page_filters_like_the_api_and_says_how_pay_was_compared(browser):
    market()
    berlin = PublishedPostingFactory(level="staff", country="DE", city="Berlin", salary_currency="EUR",
                                     salary_min=Decimal("110000"), salary_max=Decimal("130000"))  # fmt: skip
    response = browser.get("/jobs/", {"level": ["staff", "principal"], "country": "", "q": ""})  # blanks: not given
    assert response.status_code == 200
    assert page_ids(response) == [berlin.pk]
    api = Client().get("/api/v1/jobs/", {"pay_min": "120000", "currency": "EUR"}).json()
    response = browser.get("/jobs/", {"pay_min": "120000", "currency": "EUR", "period": ""})
    assert page_ids(response) == [row["id"] for row in api["results"]]
    html = response.content.decode()
    assert 'id="pay-filter"' in html and "120,000 EUR a year" in html and "USD per EUR" in html


@pytest.mark.parametrize(
    ("params", "field"),
    [({"country": "XX"}, "country"), ({"level": "wizard"}, "level"), ({"pay_min": "lots"}, "pay_min"),
     ({"ordering": "relevance"}, "ordering"), ({"currency": "ZZZ", "pay_min": "1"}, "currency")],
)  # fmt: skip
def test_a_search_the_list_refuses_is_a_400_page_naming_the_field(browser, params, field):
    PublishedPostingFactory()
    response = browser.get("/jobs/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'role="alert"' in html and f"<strong>{field}</strong>" in html


def test_the_search_page_pages_by_cursor_without_repeating_a_job(browser):
    postings = [PublishedPostingFactory(company=CompanyFactory()) for _ in range(25)]
    first = browser.get("/jobs/", {"q": "", "level": "senior"})
    html = first.content.decode()
    assert 'rel="next"' in html
    following = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "q=" not in following  # a blank field is left out of the links
    second = browser.get(following)
    assert second.status_code == 200
    seen = page_ids(first) + page_ids(second)
    assert len(page_ids(first)) == 20 and sorted(seen) == sorted(p.pk for p in postings)
    assert 'rel="prev"' in second.content.decode()


def test_the_search_page_costs_the_same_queries_for_one_job_or_twenty(browser):
    market(n=25)
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/jobs/", {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 6, counts  # page, releases, rates (and a session-less request needs nothing else)


def test_a_job_page_shows_its_pay_market_provenance_and_peers(browser):
    postings = market()
    posting = postings[3]
    response = browser.get(f"/jobs/{posting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "165,000–185,000 USD a year" in html
    assert "As posted by" in html and posting.company.name in html
    # The market it was compared with, in words, with its sample size and as-of time.
    shown = Client().get(f"/api/v1/jobs/{posting.pk}/").json()["salary_context"]
    assert f"from {shown['sample_size']} data points" in html
    assert shown["as_of"][:10] in html
    assert "Compared with <strong>senior machine learning engineers in United States, last 12 months</strong>" in html
    assert 'id="provenance"' in html and "pay posted by employers on this board" in html
    assert f"{shown['position']['label']}" in html
    assert "Beside its peers" in html
    # The page costs a constant few queries.
    with CaptureQueriesContext(connection) as queries:
        browser.get(f"/jobs/{posting.pk}/")
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_a_job_page_of_a_thin_market_says_why_there_is_no_comparison(browser):
    posting = PublishedPostingFactory(level="director", country="NZ", city="Auckland")
    html = browser.get(f"/jobs/{posting.pk}/").content.decode()
    assert 'id="insufficient"' in html and "Not enough data" in html
    assert '<figure class="salary"' not in html


def test_a_job_page_is_404_unless_the_posting_is_visible(browser):
    company = CompanyFactory()
    published = PublishedPostingFactory(company=company)
    closed = PublishedPostingFactory(company=company)
    member = company.memberships.first().user
    services.posting_close(posting=closed, user=member, filled=False)
    expired = PublishedPostingFactory(company=company)
    JobPosting.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    draft = services.posting_create(company=company, user=member, data={
        "title": "Draft", "role_family": "ml_engineer", "level": "senior", "country": "US", "city": "Seattle",
        "salary_min": Decimal(100000), "salary_max": Decimal(120000), "salary_currency": "USD", "salary_period": "YEAR",
    })  # fmt: skip
    assert browser.get(f"/jobs/{published.pk}/").status_code == 200
    for hidden in (closed, expired, draft):
        response = browser.get(f"/jobs/{hidden.pk}/")
        assert response.status_code == 404, hidden.status
        assert not response["Content-Type"].startswith("application/json")
        assert Client().get(f"/api/v1/jobs/{hidden.pk}/jsonld/").status_code == 404


REQUIRED = {"title", "description", "datePosted", "hiringOrganization"}
RECOMMENDED = {"validThrough", "employmentType", "identifier", "baseSalary"}


def test_a_job_page_embeds_its_jobposting_json_ld_as_search_engines_read_it(browser):
    posting = PublishedPostingFactory(salary_currency="EUR", salary_min=Decimal("90000"), salary_max=Decimal("110000"),
                                      country="DE", city="Berlin")  # fmt: skip
    response = browser.get(f"/jobs/{posting.pk}/")
    [data] = jsonld_of(response)
    assert data["@type"] == "JobPosting" and data["@context"].startswith("https://schema.org")
    assert REQUIRED | RECOMMENDED <= data.keys()
    assert data["jobLocation"]["address"] == {"@type": "PostalAddress", "addressCountry": "DE",
                                              "addressLocality": "Berlin"}  # fmt: skip
    assert data["hiringOrganization"]["name"] == posting.company.name
    assert data["employmentType"] == "FULL_TIME"
    assert data["datePosted"] == posting.published_at.date().isoformat()
    assert data["validThrough"][:19] == posting.expires_at.isoformat()[:19]
    # baseSalary is the employer's own range, in its currency and period: never a market figure.
    assert data["baseSalary"] == {"@type": "MonetaryAmount", "currency": "EUR",
                                  "value": {"@type": "QuantitativeValue", "unitText": "YEAR",
                                            "minValue": 90000.0, "maxValue": 110000.0}}  # fmt: skip
    assert data["url"] == f"http://testserver/jobs/{posting.pk}/"
    # The API serves the same object.
    api = Client().get(f"/api/v1/jobs/{posting.pk}/jsonld/")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/ld+json")
    assert api.json() == data


def test_a_remote_posting_is_telecommute_with_where_applicants_may_live(browser):
    posting = PublishedPostingFactory(remote_policy=RemotePolicy.REMOTE, country="GB", city="")
    [data] = jsonld_of(browser.get(f"/jobs/{posting.pk}/"))
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == {"@type": "Country", "name": "GB"}
    assert "jobLocation" not in data


def test_json_ld_cannot_be_broken_out_of_by_what_an_employer_writes(browser):
    posting = PublishedPostingFactory()
    hostile = 'Fun team</script><script>alert("x")</script><!-- & more'
    JobPosting.objects.filter(pk=posting.pk).update(description=hostile)  # as a raw write could leave it
    response = browser.get(f"/jobs/{posting.pk}/")
    html = response.content.decode()
    assert '<script>alert("x")</script>' not in html
    assert html.count("<script") == 1  # the JSON-LD element and nothing else
    [data] = jsonld_of(response)
    assert data["description"] == hostile  # intact inside the element: escaped, not cut


def test_feeds_list_published_jobs_newest_first_filtered_like_the_list(browser):
    senior = [PublishedPostingFactory(level="senior") for _ in range(3)]
    staff = PublishedPostingFactory(level="staff", title="Staff ML Engineer")
    rss = browser.get("/jobs/feed/rss/", {"level": "senior"})
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(rss.content).findall("./channel/item")
    assert [item.findtext("guid") for item in items] == [f"job-posting-{p.pk}" for p in reversed(senior)]
    assert items[0].findtext("link") == f"http://testserver/jobs/{senior[-1].pk}/"
    assert "150,000–190,000 USD a year" in items[0].findtext("description")
    atom = browser.get("/jobs/feed/atom/", {"level": "staff"})
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.content).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [f"{staff.title} at {staff.company.name}"]
    bad = browser.get("/jobs/feed/rss/", {"country": "XX"})
    assert bad.status_code == 400 and b"country" in bad.content


def test_the_sitemap_lists_open_jobs_and_drops_closed_and_expired_ones(browser):
    company = CompanyFactory()
    open_, closed, expiring = (PublishedPostingFactory(company=company) for _ in range(3))
    index = ET.fromstring(browser.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert "http://testserver/sitemap-jobs.xml" in sections

    def listed():
        root = ET.fromstring(browser.get("/sitemap-jobs.xml").content)
        return {loc.text for loc in root.iter(f"{SITEMAP}loc")}

    assert listed() == {f"http://testserver/jobs/{p.pk}/" for p in (open_, closed, expiring)}
    services.posting_close(posting=closed, user=company.memberships.first().user, filled=True)
    JobPosting.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert listed() == {f"http://testserver/jobs/{open_.pk}/"}


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_admin_and_api(browser):
    response = browser.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines and "Disallow: /api/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_pages_escape_what_employers_write(browser):
    posting = PublishedPostingFactory()
    JobPosting.objects.filter(pk=posting.pk).update(title='<img src=x onerror="alert(1)">ML', city="<b>Sea</b>")
    for url in ("/jobs/", f"/jobs/{posting.pk}/", "/jobs/feed/rss/"):
        body = browser.get(url).content.decode()
        assert '<img src=x onerror="alert(1)">' not in body and "<b>Sea</b>" not in body, url


def test_pages_are_public_pages_even_for_a_moderator(browser):
    """A moderator may open any posting through the API; the pages show candidates' view, so not a draft."""
    company = CompanyFactory()
    published = PublishedPostingFactory(company=company)
    services.posting_close(posting=published, user=company.memberships.first().user, filled=False)
    reopened = services.posting_reopen(posting=published, user=company.memberships.first().user)
    browser.force_login(ModeratorFactory())
    assert browser.get(f"/jobs/{reopened.pk}/").status_code == 404
    assert reopened.pk not in page_ids(browser.get("/jobs/"))
