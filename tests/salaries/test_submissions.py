"""Share your pay: checks, privacy, give-to-get, and deletion that leaves every figure as if it had never been."""

from decimal import Decimal

import pytest

from insights.models import MarketRange
from insights.services import market_ranges_rebuild
from salaries.models import SalaryObservation, SalarySubmission
from salaries.services.submissions import salary_submission_review
from tests.factories import CompanyFactory, ModeratorFactory, PublishedPostingFactory, UserFactory

pytestmark = pytest.mark.django_db

WORLD_SENIOR = "ml_engineer:senior:world:-:any:any:12m"
RELEASE_FIELDS = ("published", "withheld_reason", "total_published", "total_withheld_reason", "release")


@pytest.fixture
def market(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the publishes' drains run, as after real commits
        for i in range(12):
            amount = Decimal(150_000 + 2_000 * i)
            PublishedPostingFactory(company=CompanyFactory(), level="senior", country="US", salary_min=amount,
                                    salary_max=amount)  # fmt: skip
    market_ranges_rebuild()


def share(client, capture, **overrides):
    body = {"company_name": "Acme Robotics", "role_family": "ml_engineer", "level": "senior", "country": "US",
            "base_amount": 171_000, "currency": "USD", "bonus": 15_000, **overrides}  # fmt: skip
    with capture(execute=True):  # the drain its marks ask for runs after commit
        return client.post("/api/v1/salary-submissions/", body, format="json")


def releases() -> dict[str, tuple]:
    return {r.key: tuple(getattr(r, f) for f in RELEASE_FIELDS) for r in MarketRange.objects.all()}


def test_shared_pay_counts_as_one_private_point_and_deleting_it_restores_every_figure(
    market, as_user, api, django_capture_on_commit_callbacks
):
    before = releases()
    client = as_user(UserFactory())
    response = share(client, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["counted"] is True and body["provenance_kind"] == "self_reported"
    assert MarketRange.objects.get(key=WORLD_SENIOR).sample_size == 13  # the postings and the submission
    # Give-to-get: the submitter sees where the pay sits in its market, from the released figures.
    insights = client.get(f"/api/v1/salary-submissions/{body['id']}/").json()["insights"]
    assert insights["base_pay"]["percentile"] is not None
    assert insights["base_pay"]["market_usd"]["p50"] == MarketRange.objects.get(
        key=insights["base_pay"]["segment"]).release["p50"]  # fmt: skip
    # Private: not in the public list of survey records, not readable by anyone else.
    assert api.get("/api/v1/salary-observations/").json()["results"] == []
    assert as_user(UserFactory()).get(f"/api/v1/salary-submissions/{body['id']}/").status_code == 404
    assert api.get("/api/v1/salary-submissions/").status_code == 401
    assert releases() != before

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/salary-submissions/{body['id']}/").status_code == 204
    assert not SalarySubmission.objects.exists() and not SalaryObservation.objects.exists()
    after = releases()
    changed = {key for key in before if after.get(key) != before[key]}
    assert changed == set() and set(after) >= set(before)  # the cell keys sum to what they were: same noise
    # Ranges that only the submission created are left with no data (withheld), never with its figure.
    for key in set(after) - set(before):
        assert after[key][0] is False


def test_one_submission_per_person_company_and_year_and_plausible_pay(market, as_user,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    client = as_user(UserFactory())
    assert share(client, django_capture_on_commit_callbacks).status_code == 201
    again = share(client, django_capture_on_commit_callbacks, company_name="ACME robotics")
    assert again.status_code == 400 and again.json()["error"]["fields"][0]["code"] == "duplicate"
    assert share(client, django_capture_on_commit_callbacks, work_year=2024).status_code == 201  # another year
    absurd = share(client, django_capture_on_commit_callbacks, company_name="Other", base_amount=999_999_999)
    assert absurd.status_code == 400 and absurd.json()["error"]["fields"][0]["field"] == "base_amount"
    future = share(client, django_capture_on_commit_callbacks, company_name="Other", work_year=2999)
    assert future.status_code == 400 and future.json()["error"]["fields"][0]["field"] == "work_year"
    missing = share(client, django_capture_on_commit_callbacks, company_name="")
    assert missing.status_code == 400 and missing.json()["error"]["fields"][0]["field"] == "company_name"


def test_outliers_wait_for_a_moderator_before_they_count(market, as_user, django_capture_on_commit_callbacks):
    client = as_user(UserFactory())
    response = share(client, django_capture_on_commit_callbacks, base_amount=900_000)
    body = response.json()
    assert body["status"] == "pending_review" and body["counted"] is False and "far from the market" in body[
        "review_note"]  # fmt: skip
    assert MarketRange.objects.get(key=WORLD_SENIOR).sample_size == 12
    submission = SalarySubmission.objects.get(pk=body["id"])
    with django_capture_on_commit_callbacks(execute=True):
        salary_submission_review(submission=submission, moderator=ModeratorFactory(), accept=True, note="verified")
    assert MarketRange.objects.get(key=WORLD_SENIOR).sample_size == 13
    assert client.get(f"/api/v1/salary-submissions/{body['id']}/").json()["status"] == "accepted"
