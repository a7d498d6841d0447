"""Pay-transparency checks per jurisdiction: through the API at create, edit and submit, and on postings the API
cannot make yet (no maximum: imported drafts) through the checks themselves."""

from datetime import date
from decimal import Decimal

import pytest

from jobs.models import Company, JobPosting, PayTransparencyRule
from jobs.transparency import active_rules, transparency_findings
from tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def body(**overrides):
    return {"title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "US",
            "city": "Denver", "subdivision": "CO", "salary_min": 150_000, "salary_max": 190_000,
            "salary_currency": "USD", **overrides}  # fmt: skip


def create_and_submit(client, **overrides):
    created = client.post("/api/v1/jobs/", body(**overrides), format="json")
    assert created.status_code == 201, created.json()
    return created.json(), client.post(f"/api/v1/jobs/{created.json()['id']}/submit/")


@pytest.fixture
def client(as_user):
    company = CompanyFactory(employee_count=200)
    return as_user(MembershipFactory(company=company).user)


def failing_rules(response) -> set[str]:
    return {f["code"].removeprefix("pay_transparency.") for f in response.json()["error"]["fields"]}


def test_colorado_needs_a_benefits_description(client):
    created, submitted = create_and_submit(client)
    assert submitted.status_code == 400
    assert submitted.json()["error"]["code"] == "validation_error"
    assert failing_rules(submitted) == {"us-co-epewa"}
    assert {f["field"] for f in submitted.json()["error"]["fields"]} == {"benefits"}
    # The employer saw it coming: the create response's feedback named the blocking finding and its source.
    [finding] = {f["rule"]: f for f in created["feedback"]["pay_transparency"]["blocking"]}.values()
    assert finding["rule"] == "us-co-epewa" and finding["source_url"].startswith("https://leg.colorado.gov")
    assert JobPosting.objects.get(pk=created["id"]).status == "draft"  # nothing half-done

    fixed = client.patch(f"/api/v1/jobs/{created['id']}/", {"benefits": "Health insurance, 401(k) match."},
                         format="json")  # fmt: skip
    assert fixed.json()["feedback"]["pay_transparency"]["blocking"] == []
    assert client.post(f"/api/v1/jobs/{created['id']}/submit/").status_code == 200


def test_colorado_covers_remote_postings_open_to_it(client):
    _, remote = create_and_submit(client, city="Austin", subdivision="TX", remote_policy="remote")
    assert failing_rules(remote) == {"us-co-epewa"}
    _, onsite = create_and_submit(client, city="Austin", subdivision="TX")
    assert onsite.status_code == 200


def test_washington_needs_benefits_and_applies_from_15_employees(client, as_user):
    _, failing = create_and_submit(client, city="Seattle", subdivision="WA")
    assert failing_rules(failing) == {"us-wa-epoa"}
    _, complying = create_and_submit(client, city="Seattle", subdivision="WA", benefits="Medical, dental, RSUs.")
    assert complying.status_code == 200
    small = as_user(MembershipFactory(company=CompanyFactory(employee_count=9)).user)
    _, exempt = create_and_submit(small, city="Seattle", subdivision="WA")
    assert exempt.status_code == 200


@pytest.mark.parametrize(
    ("place", "rules"),
    [
        ({"city": "New York", "subdivision": ""}, {"us-nyc-ll32", "us-ny-194b"}),  # the city implies the state
        ({"city": "Buffalo", "subdivision": "NY"}, {"us-ny-194b"}),
        ({"city": "San Francisco", "subdivision": "CA"}, {"us-ca-sb1162"}),
        ({"city": "Berlin", "subdivision": "", "country": "DE", "salary_currency": "EUR"}, {"eu-2023-970"}),
    ],
)
def test_range_laws_are_met_by_a_posted_range_and_fail_without_a_maximum(client, place, rules):
    created, submitted = create_and_submit(client, **place)
    applied = {r["rule"] for r in created["feedback"]["pay_transparency"]["rules_applied"]}
    assert applied == rules and submitted.status_code == 200
    # A posting without a maximum (an imported draft; the API asks for one) fails each of them.
    posting = JobPosting.objects.get(pk=created["id"])
    posting.salary_max = None
    failed = {f.rule for f in transparency_findings(posting, posting.company, active_rules(TODAY))}
    assert failed == rules


def test_headcount_and_effective_dates_decide_whether_a_rule_applies():
    posting = JobPosting(country="US", subdivision="CA", city_slug="san-jose", salary_min=Decimal(1),
                         salary_max=None, remote_policy="onsite")  # fmt: skip
    rules = active_rules(TODAY)
    assert [f.rule for f in transparency_findings(posting, Company(employee_count=14), rules)] == []
    assert [f.rule for f in transparency_findings(posting, Company(employee_count=15), rules)] == ["us-ca-sb1162"]
    assert [f.rule for f in transparency_findings(posting, Company(employee_count=None), rules)] == ["us-ca-sb1162"]
    eu = JobPosting(country="FR", salary_min=Decimal(1), salary_max=None, remote_policy="onsite")
    assert [f.rule for f in transparency_findings(eu, Company(), active_rules(TODAY))] == ["eu-2023-970"]
    assert transparency_findings(eu, Company(), active_rules(date(2026, 6, 6))) == []  # before it took effect


def test_rules_are_data_an_admin_can_soften(client):
    PayTransparencyRule.objects.filter(code="us-co-epewa").update(severity="warning")
    created, submitted = create_and_submit(client)
    assert submitted.status_code == 200
    [warning] = created["feedback"]["pay_transparency"]["warnings"]
    assert warning["rule"] == "us-co-epewa" and warning["field"] == "benefits"


def test_a_wide_range_is_flagged_and_the_public_sees_no_feedback(client, api, as_user, moderator):
    created, submitted = create_and_submit(client, salary_min=100_000, salary_max=200_000, benefits="Health.")
    assert created["feedback"]["range"]["unusually_wide"] is True
    assert created["feedback"]["range"]["max_over_min"] == 2.0
    assert as_user(moderator).post(f"/api/v1/jobs/{created['id']}/approve/").status_code == 200
    public = api.get(f"/api/v1/jobs/{created['id']}/").json()
    assert public["benefits"] == "Health." and "feedback" not in public


def test_bad_subdivisions_are_400s(client):
    response = client.post("/api/v1/jobs/", body(subdivision="ZZ"), format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"][0]["field"] == "subdivision"


def test_feedback_sets_the_curated_benchmarks_beside_the_posting(client):
    from salaries.models import SalaryBenchmark
    from salaries.services.benchmarks import benchmarks_load_seed_articles

    benchmarks_load_seed_articles()
    created, _ = create_and_submit(client, benefits="Health.")
    beside = created["feedback"]["benchmarks"]
    assert beside, "the seed articles give US senior ML engineer figures"
    first = beside[0]
    stored = SalaryBenchmark.objects.filter(label=first["label"]).first()
    assert stored is not None and stored.role_family in ("ml_engineer", "") and stored.level == "senior"
    midpoint = 170_000  # (150,000 + 190,000) / 2
    assert first["posting_midpoint_vs_benchmark_pct"] == round(
        (midpoint / float(stored.central_annual_usd) - 1) * 100, 1
    )
    assert first["provenance"]["kind"] == "benchmark"
