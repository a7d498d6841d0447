"""Pay kinds: the employer's own pay, an estimate (shown as one) and none given. Only the employer's pay is a
market data point and goes into JSON-LD; a posting without pay can be a draft anywhere and published only where
no pay-transparency law asks for pay; `include_undisclosed` and the pay filters and orderings treat each kind as
the API says."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from insights.models import MarketRange
from insights.services import market_range_recompute
from jobs import services
from jobs.imports.service import postings_import_file
from jobs.models import JobPosting
from jobs.transparency import PayTransparencyError
from tests.factories import CompanyFactory, MembershipFactory, ModeratorFactory, PublishedPostingFactory
from tests.insights.independent import assert_matches_independent, visible_midpoints

pytestmark = pytest.mark.django_db

LONDON = {"country": "GB", "city": "London", "salary_currency": "GBP"}  # no pay-transparency law on file
SEGMENT = "ml_engineer:senior:country:GB:any:any:12m"


def body(**overrides):
    return {"title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "GB",
            "city": "London", **overrides}  # fmt: skip


@pytest.fixture
def member():
    return MembershipFactory(company=CompanyFactory(slug="acme", name="Acme", employee_count=200))


@pytest.fixture
def client(as_user, member):
    return as_user(member.user)


def publish(posting):
    user = member_of(posting)
    posting = services.posting_submit(posting=posting, user=user)
    return services.posting_approve(posting=posting, moderator=ModeratorFactory(username="pay-kinds-moderator"))


def member_of(posting):
    return posting.company.memberships.first().user


def test_a_draft_without_pay_is_kept_and_shown_as_without_pay(client, api):
    created = client.post("/api/v1/jobs/", body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["pay_kind"], data["pay"], data["compensation"]) == ("none", None, None)
    stored = JobPosting.objects.get(pk=data["id"])
    assert (stored.salary_min, stored.salary_mid_usd, stored.total_comp_mid_usd, stored.salary_currency) == (
        None, None, None, "")  # fmt: skip
    # Published where no law asks for pay (London), it is listed, labelled, and left out where pay is compared.
    assert client.post(f"/api/v1/jobs/{data['id']}/submit/").status_code == 200
    publish_by_moderator(data["id"])
    listed = api.get("/api/v1/jobs/").json()["results"]
    assert [(job["id"], job["pay_kind"], job["pay"]) for job in listed] == [(data["id"], "none", None)]
    assert listed[0]["salary_context"]["compared"] == "nothing"
    assert api.get("/api/v1/jobs/?include_undisclosed=false").json()["results"] == []
    assert [job["id"] for job in api.get("/api/v1/jobs/?include_undisclosed=true").json()["results"]] == [data["id"]]
    assert api.get("/api/v1/jobs/?ordering=pay").json()["results"] == []
    assert api.get("/api/v1/jobs/?pay_min=1&currency=EUR").json()["results"] == []
    assert "baseSalary" not in api.get(f"/api/v1/jobs/{data['id']}/jsonld/").json()
    page = api.get(f"/jobs/{data['id']}/").content.decode()
    assert "Acme gives no pay for this job." in page and 'id="posted-pay">Not given<' in page
    listing = api.get("/jobs/").content.decode()
    assert f'href="/jobs/{data["id"]}/"' in listing and "Pay not given by the employer" in listing
    only_paid = api.get("/jobs/?include_undisclosed=false").content.decode()
    assert f'href="/jobs/{data["id"]}/"' not in only_paid
    assert 'name="include_undisclosed" value="false" checked' in only_paid
    assert [job["id"] for job in api.get("/api/v1/jobs/?pay_kind=none").json()["results"]] == [data["id"]]
    assert api.get("/api/v1/jobs/?pay_kind=employer").json()["results"] == []
    assert api.get("/api/v1/jobs/?pay_kind=guess").status_code == 400


def publish_by_moderator(pk):
    services.posting_approve(
        posting=JobPosting.objects.get(pk=pk), moderator=ModeratorFactory(username="pay-kinds-moderator")
    )


@pytest.mark.parametrize(
    ("place", "rule"),
    [({"country": "US", "city": "Denver", "subdivision": "CO"}, "us-co-epewa"),
     ({"country": "DE", "city": "Berlin"}, "eu-2023-970")],
)  # fmt: skip
def test_where_the_law_asks_for_pay_a_posting_without_it_stays_a_draft(client, place, rule):
    created = client.post("/api/v1/jobs/", body(benefits="Health insurance.", **place), format="json").json()
    assert created["pay_kind"] == "none"
    blocking = {f["rule"] for f in created["feedback"]["pay_transparency"]["blocking"]}
    assert rule in blocking  # the employer is told at once
    refused = client.post(f"/api/v1/jobs/{created['id']}/submit/")
    assert refused.status_code == 400
    fields = {(f["field"], f["code"]) for f in refused.json()["error"]["fields"]}
    assert ("pay_kind", f"pay_transparency.{rule}") in fields
    assert JobPosting.objects.get(pk=created["id"]).status == "draft"
    # Giving the pay makes it the employer's and lets it through.
    fixed = client.patch(f"/api/v1/jobs/{created['id']}/", {"salary_min": 90_000, "salary_max": 110_000,
                                                           "salary_currency": "EUR"}, format="json")  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["pay_kind"] == "employer"
    assert client.post(f"/api/v1/jobs/{created['id']}/submit/").status_code == 200


def test_pay_kind_errors_name_the_field_and_lose_nothing(client):
    before = JobPosting.objects.count()
    conflict = client.post("/api/v1/jobs/", body(pay_kind="none", salary_min=1, salary_max=2, salary_currency="GBP"),
                           format="json")  # fmt: skip
    assert conflict.status_code == 400
    assert conflict.json()["error"]["fields"][0]["field"] == "salary_min"
    estimate = client.post("/api/v1/jobs/", body(pay_kind="estimate", salary_min=1, salary_max=2), format="json")
    assert estimate.status_code == 400 and estimate.json()["error"]["fields"][0]["field"] == "pay_kind"
    half = client.post("/api/v1/jobs/", body(salary_min=90_000), format="json")
    assert half.status_code == 400 and half.json()["error"]["fields"][0]["field"] in ("salary_max", "salary_currency")
    assert JobPosting.objects.count() == before
    # Switching a draft to no pay empties its pay and package, in one edit.
    paid = client.post("/api/v1/jobs/", body(salary_min=90_000, salary_max=110_000, salary_currency="GBP",
                                             bonus_target_pct=10), format="json").json()  # fmt: skip
    assert paid["pay_kind"] == "employer" and paid["compensation"]["bonus"] is not None
    cleared = client.patch(f"/api/v1/jobs/{paid['id']}/", {"pay_kind": "none"}, format="json")
    assert cleared.status_code == 200 and cleared.json()["pay"] is None
    stored = JobPosting.objects.get(pk=paid["id"])
    assert (stored.salary_max, stored.bonus_target_pct, stored.salary_mid_usd) == (None, None, None)


def csv_file(tmp_path, lines):
    path = tmp_path / "postings.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_imported_estimate_is_labelled_and_never_the_employer_s_pay(tmp_path, member, api):
    path = csv_file(tmp_path, [
        "source_ref,title,country,city,salary_min,salary_max,salary_currency,pay_kind,pay_source",
        "e1,Senior ML Engineer,GB,London,300000,320000,GBP,estimate,Example Jobs (third-party estimate)",
        "e2,Senior ML Engineer,GB,London,90000,100000,GBP,estimate,",  # whose estimate?
        "e3,Senior ML Engineer,GB,London,90000,,GBP,,",  # half a range
        "e4,Senior ML Engineer,GB,London,90000,100000,GBP,none,",  # pay on a line without pay
        "e5,Senior ML Engineer,GB,London,,,,,",  # no pay: a draft without it
        "e6,Senior ML Engineer,US,Denver,150000,170000,USD,estimate,Example Jobs",  # Colorado asks for the pay
    ])  # fmt: skip
    report = postings_import_file(company=member.company, user=member.user, path=path, format="csv")
    rejected = {error.line: error.field for error in report.rejected}
    assert report.imported == 3 and rejected == {3: "pay_source", 4: "salary_max", 5: "salary_min"}
    estimate = JobPosting.objects.get(source_ref="e1")
    assert (estimate.pay_kind, estimate.pay_source) == ("estimate", "Example Jobs (third-party estimate)")
    assert JobPosting.objects.get(source_ref="e5").pay_kind == "none"
    # An estimate does not meet a pay-transparency law: only the employer's own pay does.
    colorado = JobPosting.objects.get(source_ref="e6")
    services.posting_update(posting=colorado, user=member.user, data={"subdivision": "CO", "benefits": "Health."})
    with pytest.raises(PayTransparencyError) as refused:
        services.posting_submit(posting=colorado, user=member.user)
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("pay_kind", "pay_transparency.us-co-epewa")]
    published = publish(estimate)
    assert published.market_percentile == Decimal("-1.0")  # "best pay for its market" is about pay it gives
    shown = api.get(f"/api/v1/jobs/{estimate.pk}/").json()
    assert shown["pay_kind"] == "estimate" and shown["pay"]["provenance"]["kind"] == "estimate"
    assert shown["pay"]["provenance"]["source"] == "Example Jobs (third-party estimate)"
    assert shown["salary_context"]["compared"] == "estimate"
    assert "baseSalary" not in api.get(f"/api/v1/jobs/{estimate.pk}/jsonld/").json()
    page = api.get(f"/jobs/{estimate.pk}/").content.decode()
    assert "Estimate: 300,000–320,000 GBP a year" in page
    assert "An estimate by Example Jobs (third-party estimate), not pay Acme states" in page
    listing = api.get("/jobs/").content.decode()
    assert "Estimate: " in listing and "(by Example Jobs (third-party estimate), not the employer)" in listing
    # A member who types in the pay of an imported estimate makes it the employer's (and its source goes).
    draft = JobPosting.objects.get(source_ref="e6")
    stated = services.posting_update(
        posting=draft, user=member.user, data={"salary_min": 150_000, "salary_max": 160_000}
    )
    assert (stated.pay_kind, stated.pay_source) == ("employer", "")
    # Estimates are in the pay filter and ordering, labelled; include_undisclosed=false leaves them out.
    assert [job["id"] for job in api.get("/api/v1/jobs/?pay_min=250000&currency=GBP").json()["results"]] == [
        estimate.pk
    ]
    assert api.get("/api/v1/jobs/?pay_min=250000&currency=GBP&include_undisclosed=false").json()["results"] == []
    feed = api.get("/jobs/feed/rss/").content.decode()
    assert "an estimate by Example Jobs (third-party estimate), not the employer&#x27;s" in feed or (
        "an estimate by Example Jobs (third-party estimate), not the employer's" in feed
    )


def test_only_the_employer_s_pay_is_a_market_data_point(django_capture_on_commit_callbacks, api):
    companies = [CompanyFactory(name=f"Employer {n}") for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(6):
            PublishedPostingFactory(company=companies[index % 4], salary_min=80_000 + 5_000 * index,
                                    salary_max=100_000 + 5_000 * index, **LONDON)  # fmt: skip
    stored = MarketRange.objects.get(key=SEGMENT)
    assert stored.sample_size == 6
    before = {name: getattr(stored, name) for name in ("p10", "p25", "p50", "p75", "p90", "mean", "sample_size")}
    # An absurd estimate and a posting without pay, both published in the same segment, through the services.
    outsider = CompanyFactory(name="Outsider")
    member = MembershipFactory(company=outsider)
    with django_capture_on_commit_callbacks(execute=True):
        estimate = services.posting_create(company=outsider, user=member.user, data={
            **body(), "salary_min": 900_000, "salary_max": 990_000, "salary_currency": "GBP", "pay_kind": "estimate",
            "pay_source": "A guess"})  # fmt: skip
        unpaid = services.posting_create(company=outsider, user=member.user, data=body())
        publish(estimate)
        publish(unpaid)
    assert JobPosting.objects.visible().filter(country="GB").count() == 8
    after = MarketRange.objects.get(key=SEGMENT)  # recomputed on commit (the drain), and…
    assert {name: getattr(after, name) for name in before} == before
    assert after.company_count == 4  # the outsider contributed nothing
    recomputed = market_range_recompute(key=SEGMENT)  # …from scratch
    assert recomputed.sample_size == 6
    assert_matches_independent(recomputed, visible_midpoints(SEGMENT))
    call_command("verify_market_ranges")  # the independent check of every stored range agrees
    # A published employer posting switched to "none" goes back to review and leaves the market.
    first = JobPosting.objects.filter(pay_kind="employer", country="GB").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.posting_update(posting=first, user=member_of(first), data={"pay_kind": "none"})
    assert JobPosting.objects.get(pk=first.pk).status == "pending_review"
    assert MarketRange.objects.get(key=SEGMENT).sample_size == 5
