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


@pytest.mark.django_db
def test_a_new_size_band_in_the_admin_moves_the_companys_postings_to_other_segments(
    admin_client_logged_in, django_capture_on_commit_callbacks
):
    from insights.models import DirtySegment, MarketRange
    from insights.services import market_ranges_verify
    from jobs.models import Company
    from tests.factories import CompanyFactory

    company = CompanyFactory(size_band="mid_size")
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(company=company, salary_min=150_000)
        PublishedPostingFactory(company=CompanyFactory(size_band="mid_size"), salary_min=120_000)
    assert market_ranges_verify() == []
    mid_size = "ml_engineer:senior:country:US:mid_size:any:12m"
    startup = "ml_engineer:senior:country:US:startup:any:12m"
    assert MarketRange.objects.get(key=mid_size).sample_size == 2

    form = {
        "name": company.name, "slug": company.slug, "size_band": "startup", "funding_stage": "seed",
        "industry": company.industry, "headquarters_country": "US", "website": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(f"/admin/jobs/company/{company.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    assert Company.objects.get(pk=company.pk).size_band == "startup"

    # Both bands' segments were marked and drained: nothing is stale.
    assert not DirtySegment.objects.exists()
    assert market_ranges_verify() == []
    assert MarketRange.objects.get(key=mid_size).sample_size == 1
    assert MarketRange.objects.get(key=startup).sample_size == 1


@pytest.mark.django_db
def test_a_new_sector_in_the_admin_moves_the_companys_postings_to_other_segments(
    admin_client_logged_in, django_capture_on_commit_callbacks
):
    from insights.models import DirtySegment, MarketRange
    from insights.services import market_ranges_verify
    from jobs.models import Company
    from tests.factories import CompanyFactory

    company = CompanyFactory(industry="Software")
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(company=company, salary_min=150_000)
        PublishedPostingFactory(company=CompanyFactory(industry="Software"), salary_min=120_000)
    technology = "ml_engineer:senior:region:north_america:any:technology:any:12m"
    healthcare = "ml_engineer:senior:region:north_america:any:healthcare:any:12m"
    assert MarketRange.objects.get(key=technology).sample_size == 2

    form = {
        "name": company.name, "slug": company.slug, "size_band": company.size_band, "sector": "healthcare",
        "industry": "Clinical decision support", "headquarters_country": "US", "website": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(f"/admin/jobs/company/{company.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    assert Company.objects.get(pk=company.pk).sector == "healthcare"
    assert not DirtySegment.objects.exists()
    assert market_ranges_verify() == []
    assert MarketRange.objects.get(key=technology).sample_size == 1
    assert MarketRange.objects.get(key=healthcare).sample_size == 1
