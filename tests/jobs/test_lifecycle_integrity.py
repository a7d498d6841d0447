"""The market counts only reviewed pay: expiry limits, and material edits to a published posting going back to
review, through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import DirtySegment, MarketRange
from insights.services import market_ranges_rebuild, market_ranges_sweep
from jobs.models import AuditAction, JobPosting, PostingStatus
from jobs.selectors import audit_trail_of
from tests.factories import CompanyFactory, PendingPostingFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(employer):
    return PublishedPostingFactory(company=employer.memberships.get().company)


def field_of(response) -> str:
    return response.json()["error"]["fields"][0]["field"]


def test_a_published_posting_cannot_be_made_to_run_forever(as_user, employer, published):
    client = as_user(employer)
    forever = client.patch(f"/api/v1/jobs/{published.pk}/", {"expires_at": "9999-12-31T00:00:00Z"}, format="json")
    assert forever.status_code == 400 and field_of(forever) == "expires_at"
    assert forever.json()["error"]["fields"][0]["code"] == "too_long"

    cleared = client.patch(f"/api/v1/jobs/{published.pk}/", {"expires_at": None}, format="json")
    assert cleared.status_code == 200
    published.refresh_from_db()
    assert published.expires_at == published.published_at + timedelta(days=60)

    longer = (published.published_at + timedelta(days=100)).isoformat()
    unexplained = client.patch(f"/api/v1/jobs/{published.pk}/", {"expires_at": longer}, format="json")
    assert unexplained.status_code == 400 and field_of(unexplained) == "expiry_reason"
    explained = client.patch(f"/api/v1/jobs/{published.pk}/",
                             {"expires_at": longer, "expiry_reason": "Hiring a team of five over the quarter."},
                             format="json")  # fmt: skip
    assert explained.status_code == 200
    edit = audit_trail_of(published).filter(action=AuditAction.POSTING_EDITED).first()
    assert edit.note == "Hiring a team of five over the quarter." and "expires_at" in edit.changes
    past = client.patch(f"/api/v1/jobs/{published.pk}/", {"expires_at": "2020-01-01T00:00:00Z"}, format="json")
    assert past.status_code == 400 and field_of(past) == "expires_at"


def test_a_material_change_after_approval_goes_back_to_review_and_out_of_the_market(as_user, employer, published):
    for _ in range(6):
        PublishedPostingFactory(company=CompanyFactory())
    market_ranges_rebuild()
    key = "ml_engineer:senior:country:US:any:any:12m"
    counted = MarketRange.objects.get(key=key).sample_size

    response = as_user(employer).patch(f"/api/v1/jobs/{published.pk}/",
                                       {"salary_min": "4000000", "salary_max": "4900000"}, format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "pending_review"
    assert not JobPosting.objects.visible().filter(pk=published.pk).exists()
    assert published.pk not in {job["id"] for job in as_user(None).get("/api/v1/jobs/").json()["results"]}
    assert DirtySegment.objects.filter(key=key).exists()  # marked in the edit's transaction
    market_ranges_sweep(limit=10_000)
    assert MarketRange.objects.get(key=key).sample_size == counted - 1  # recomputed without it
    queue = JobPosting.objects.filter(status=PostingStatus.PENDING_REVIEW)
    assert published.pk in set(queue.values_list("pk", flat=True))


def test_a_wording_change_after_approval_stays_live(as_user, employer, published):
    response = as_user(employer).patch(f"/api/v1/jobs/{published.pk}/",
                                       {"description": "<p>Now with a clearer team description.</p>"},
                                       format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert JobPosting.objects.visible().filter(pk=published.pk).exists()


def test_editing_a_posting_waiting_for_review_withdraws_the_submission(as_user, employer):
    pending = PendingPostingFactory(company=employer.memberships.get().company)
    response = as_user(employer).patch(f"/api/v1/jobs/{pending.pk}/", {"title": "Staff ML Engineer"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert audit_trail_of(pending).first().changes["status"] == ["pending_review", "draft"]


def test_approval_caps_an_expiry_set_before_review(as_user, employer, moderator):
    draft = PendingPostingFactory(company=employer.memberships.get().company)
    JobPosting.objects.filter(pk=draft.pk).update(expires_at=timezone.now() + timedelta(days=400))
    as_user(moderator).post(f"/api/v1/jobs/{draft.pk}/approve/")
    draft.refresh_from_db()
    assert draft.expires_at <= draft.published_at + timedelta(days=120)
