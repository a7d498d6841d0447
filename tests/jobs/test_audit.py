"""The audit trail, through every entry point: the API, the admin, a management command and a task."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from jobs.models import ActorRole, AuditAction, AuditEvent, JobPosting
from jobs.selectors import audit_trail_of
from jobs.tasks import expire_postings_task
from salaries.models import ExchangeRate
from tests.factories import CompanyFactory, MembershipFactory, PendingPostingFactory, PublishedPostingFactory

NEW_POSTING = {
    "title": "Senior Machine Learning Engineer", "role_family": "ml_engineer", "level": "senior", "country": "US",
    "city": "Seattle", "salary_min": "150000", "salary_max": "190000", "salary_currency": "USD",
    "salary_period": "YEAR", "benefits": "Health insurance and a retirement plan.",
}  # fmt: skip


@pytest.fixture
def staff_moderator(moderator):
    moderator.is_staff = True
    moderator.save()
    return moderator


def actions_of(posting) -> list[str]:
    return [event.action for event in audit_trail_of(posting).order_by("at", "id")]


@pytest.mark.django_db
def test_the_api_records_who_did_what_with_before_and_after(as_user, employer, staff_moderator):
    client = as_user(employer)
    created = client.post("/api/v1/jobs/", NEW_POSTING, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.patch(f"/api/v1/jobs/{pk}/", {"salary_max": "210000"}, format="json").status_code == 200
    assert client.post(f"/api/v1/jobs/{pk}/submit/").status_code == 200
    assert as_user(staff_moderator).post(f"/api/v1/jobs/{pk}/approve/").status_code == 200

    posting = JobPosting.objects.get(pk=pk)
    assert actions_of(posting) == [AuditAction.POSTING_CREATED, AuditAction.POSTING_EDITED,
                                   AuditAction.POSTING_SUBMITTED, AuditAction.POSTING_APPROVED]  # fmt: skip
    edit = audit_trail_of(posting).get(action=AuditAction.POSTING_EDITED)
    assert edit.changes["salary_max"] == ["190000", "210000"]
    assert edit.actor == employer and edit.actor_role == ActorRole.MEMBER and edit.via == "api"
    approval = audit_trail_of(posting).get(action=AuditAction.POSTING_APPROVED)
    assert approval.actor == staff_moderator and approval.actor_role == ActorRole.MODERATOR
    assert approval.changes["status"] == ["pending_review", "published"]
    assert approval.company_id == posting.company_id


@pytest.mark.django_db
def test_members_read_their_postings_trail_without_the_moderators_name(as_user, employer, staff_moderator):
    posting = PendingPostingFactory(company=employer.memberships.get().company)
    as_user(staff_moderator).post(f"/api/v1/jobs/{posting.pk}/reject/", {"reason": "Say what the bonus is."})

    trail = as_user(employer).get(f"/api/v1/jobs/{posting.pk}/history/")
    assert trail.status_code == 200
    rejection = trail.json()[0]
    assert rejection["action"] == "posting.rejected" and rejection["note"] == "Say what the bonus is."
    assert rejection["actor"] is None and rejection["actor_role"] == "moderator"
    assert staff_moderator.username not in trail.content.decode()
    assert as_user(staff_moderator).get(f"/api/v1/jobs/{posting.pk}/history/").status_code == 200

    # Nobody outside the company reads it, not even of a published posting anyone may open.
    published = PublishedPostingFactory(company=employer.memberships.get().company)
    outsider = MembershipFactory(company=CompanyFactory()).user
    assert as_user(outsider).get(f"/api/v1/jobs/{published.pk}/history/").status_code == 403
    assert as_user(outsider).get(f"/api/v1/jobs/{posting.pk}/history/").status_code == 404
    anonymous = as_user(None).get(f"/api/v1/jobs/{published.pk}/history/")
    assert anonymous.status_code in {401, 403} and anonymous.json()["error"]["code"]


@pytest.mark.django_db
def test_the_admin_records_moderation_and_curation(client, staff_moderator, django_capture_on_commit_callbacks):
    client.force_login(staff_moderator)
    posting = PendingPostingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/jobs/pendingposting/", {"action": "approve_selected", "_selected_action": [posting.pk]})
    approval = audit_trail_of(posting).get(action=AuditAction.POSTING_APPROVED)
    assert approval.via == "admin" and approval.actor == staff_moderator

    admin = get_user_model().objects.create_superuser("curator", "curator@example.com", "pw-for-tests-1")
    client.force_login(admin)
    company = posting.company
    band = "startup" if company.size_band != "startup" else "large"
    form = {"name": company.name, "slug": company.slug, "size_band": band, "sector": company.sector,
            "headquarters_country": "US", "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/jobs/company/{company.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    change = audit_trail_of(company).get(action=AuditAction.COMPANY_CHANGED)
    assert change.changes["size_band"] == [company.size_band, band] and change.via == "admin"

    rate = ExchangeRate.objects.get(
        currency="EUR", date=ExchangeRate.objects.filter(currency="EUR").latest("date").date
    )
    response = client.post(f"/admin/salaries/exchangerate/{rate.pk}/change/", {
        "currency": "EUR", "date": rate.date.isoformat(), "rate_to_usd": "1.2345", "source": rate.source,
    })  # fmt: skip
    assert response.status_code == 302
    edit = audit_trail_of(rate).get(action=AuditAction.EXCHANGE_RATE_CHANGED)
    assert edit.changes["rate_to_usd"][1] == "1.2345" and edit.actor == admin

    # The object's History page in the admin is its audit trail.
    history = client.get(f"/admin/jobs/company/{company.pk}/history/")
    assert b"audit-trail" in history.content and b"size_band" in history.content
    listing = client.get("/admin/jobs/auditevent/?action__exact=company.changed")
    assert listing.status_code == 200 and company.name.encode() in listing.content


@pytest.mark.django_db
def test_a_command_and_a_task_record_as_themselves(django_capture_on_commit_callbacks):
    call_command("demo", postings=30)
    demo = JobPosting.objects.filter(source_ref="demo-00001").get()
    assert {e.via for e in audit_trail_of(demo)} == {"command"}
    # The demo dates its events with its postings: approval when it was published.
    assert audit_trail_of(demo).get(action=AuditAction.POSTING_APPROVED).at == demo.published_at

    posting = PublishedPostingFactory()
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expire_postings_task.delay()
    expiry = audit_trail_of(posting).get(action=AuditAction.POSTING_EXPIRED)
    assert expiry.via == "task:jobs.expire_postings" and expiry.actor is None
    assert expiry.actor_role == ActorRole.SYSTEM and expiry.changes["status"] == ["published", "expired"]


@pytest.mark.django_db
def test_a_failed_change_records_nothing(as_user, employer):
    posting = PublishedPostingFactory(company=employer.memberships.get().company)
    before = AuditEvent.objects.count()
    response = as_user(employer).post(f"/api/v1/jobs/{posting.pk}/submit/")
    assert response.status_code == 409
    response = as_user(employer).patch(f"/api/v1/jobs/{posting.pk}/", {"salary_max": "1"}, format="json")
    assert response.status_code == 400
    assert AuditEvent.objects.count() == before
    assert JobPosting.objects.get(pk=posting.pk).salary_max == Decimal("190000")
