import pytest
from django.contrib.auth import get_user_model

from jobs.models import JobPosting, PostingStatus
from tests.factories import PendingPostingFactory, PublishedPostingFactory


@pytest.fixture
def admin_client_logged_in(client):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-1")
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_admin_lists_postings_with_filters(admin_client_logged_in):
    PublishedPostingFactory(title="Staff ML Engineer")
    response = admin_client_logged_in.get("/admin/jobs/jobposting/?status__exact=published&level__exact=senior")
    assert response.status_code == 200
    assert b"Staff ML Engineer" in response.content


@pytest.mark.django_db
def test_admin_approve_action_publishes_through_the_service(admin_client_logged_in, django_capture_on_commit_callbacks):
    posting = PendingPostingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(
            "/admin/jobs/jobposting/", {"action": "approve_selected", "_selected_action": [posting.pk]}
        )
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.PUBLISHED and posting.expires_at is not None
    assert posting in JobPosting.objects.visible()


@pytest.mark.django_db
def test_admin_reject_action_asks_for_a_reason_then_rejects(admin_client_logged_in):
    posting = PendingPostingFactory()
    form = admin_client_logged_in.post(
        "/admin/jobs/jobposting/", {"action": "reject_selected", "_selected_action": [posting.pk]}
    )
    assert form.status_code == 200 and b"reason" in form.content
    posting.refresh_from_db()
    assert posting.status == PostingStatus.PENDING_REVIEW

    done = admin_client_logged_in.post(
        "/admin/jobs/jobposting/",
        {"action": "reject_selected", "_selected_action": [posting.pk], "apply": "1", "reason": "Add a pay range"},
    )
    assert done.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.REJECTED and posting.rejection_reason == "Add a pay range"


@pytest.mark.django_db
def test_market_ranges_are_read_only_in_the_admin(admin_client_logged_in):
    assert admin_client_logged_in.get("/admin/insights/marketrange/").status_code == 200
    assert admin_client_logged_in.get("/admin/insights/marketrange/add/").status_code == 403
