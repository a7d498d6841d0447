"""Service-level rules of job postings: expiry, sanitising, and which market segments a change marks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import DirtySegment
from insights.segments import segments_for
from jobs import services
from jobs.models import JobPosting, PostingStatus
from tests.factories import DraftPostingFactory, ModeratorFactory, PublishedPostingFactory


def keys(
    role="ml_engineer", country="US", city="Seattle", size="mid_size", sector="technology", remote=False
) -> set[str]:
    found = segments_for(
        role_family=role, level="senior", country=country, city=city, size_band=size, sector=sector, remote=remote
    )
    return {segment.key for segment in found}


ML_SENIOR = keys()


def dirty_keys() -> set[str]:
    return set(DirtySegment.objects.values_list("key", flat=True))


def member_of(company):
    return company.memberships.select_related("user").first().user


@pytest.mark.django_db
def test_posting_past_its_expiry_stops_being_visible_at_once():
    posting = PublishedPostingFactory()
    assert JobPosting.objects.visible().filter(pk=posting.pk).exists()

    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert not JobPosting.objects.visible().filter(pk=posting.pk).exists()
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.PUBLISHED  # until the sweep runs


@pytest.mark.django_db
def test_postings_expire_due_expires_and_marks_segments():
    due = PublishedPostingFactory()
    not_due = PublishedPostingFactory(role_family="data_scientist", country="DE")
    JobPosting.objects.filter(pk=due.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    DirtySegment.objects.all().delete()  # forget the marks made by publishing

    assert services.postings_expire_due() == 1

    due.refresh_from_db()
    not_due.refresh_from_db()
    assert due.status == PostingStatus.EXPIRED and due.closed_at is not None
    assert not_due.status == PostingStatus.PUBLISHED and not_due.closed_at is None
    assert dirty_keys() == ML_SENIOR
    assert services.postings_expire_due() == 0  # idempotent: nothing is due any more


@pytest.mark.django_db
def test_postings_expire_due_leaves_future_expiries_alone():
    posting = PublishedPostingFactory()
    DirtySegment.objects.all().delete()

    assert services.postings_expire_due() == 0

    posting.refresh_from_db()
    assert posting.status == PostingStatus.PUBLISHED
    assert dirty_keys() == set()


@pytest.mark.django_db
def test_description_html_is_sanitised_on_create_and_update():
    posting = DraftPostingFactory(description='<p>Build <b>models</b>.</p><script>alert("x")</script>')

    assert "<script" not in posting.description and "alert" not in posting.description
    assert posting.description == "<p>Build <b>models</b>.</p>"
    assert JobPosting.objects.get(pk=posting.pk).description == "<p>Build <b>models</b>.</p>"

    updated = services.posting_update(
        posting=posting,
        user=member_of(posting.company),
        data={"description": '<p onclick="steal()">Hi</p><script src="https://evil.example/x.js"></script>'},
    )

    assert updated.description == "<p>Hi</p>"
    assert JobPosting.objects.get(pk=posting.pk).description == "<p>Hi</p>"


@pytest.mark.django_db
def test_changing_role_family_of_a_published_posting_marks_old_and_new_segments():
    posting = PublishedPostingFactory(role_family="ml_engineer", level="senior", country="US")
    DirtySegment.objects.all().delete()

    services.posting_update(posting=posting, user=member_of(posting.company), data={"role_family": "data_scientist"})

    # A material change: back to review, out of its old segments, in none until approved again.
    assert dirty_keys() == ML_SENIOR
    posting.refresh_from_db()
    assert posting.role_family == "data_scientist" and posting.status == PostingStatus.PENDING_REVIEW
    services.posting_approve(posting=posting, moderator=ModeratorFactory())
    assert dirty_keys() == ML_SENIOR | keys(role="data_scientist")


@pytest.mark.django_db
def test_editing_a_draft_marks_no_segments():
    draft = DraftPostingFactory()
    DirtySegment.objects.all().delete()

    services.posting_update(posting=draft, user=member_of(draft.company), data={"role_family": "data_scientist"})

    assert dirty_keys() == set()


@pytest.mark.django_db
def test_publishing_marks_the_country_and_worldwide_segments():
    posting = DraftPostingFactory(country="DE", salary_currency="EUR")
    services.posting_submit(posting=posting, user=member_of(posting.company))
    assert dirty_keys() == set()  # draft -> pending changes nothing visible

    services.posting_approve(posting=posting, moderator=ModeratorFactory())

    marked = dirty_keys()
    assert marked == keys(country="DE")
    # City, country, region and world; its size band and any size; both windows: 16 segments. Its sector's
    # (technology) at country, region and world, with the same sizes and windows: 12 more.
    assert len(marked) == 16 + 12
    assert {
        "ml_engineer:senior:country:DE:any:any:12m",
        "ml_engineer:senior:region:europe:mid_size:any:all",
        "ml_engineer:senior:country:DE:any:technology:any:12m",
        "ml_engineer:senior:world:-:mid_size:technology:any:all",
    } <= marked
    assert not any(key.startswith("ml_engineer:senior:city:") and "technology" in key for key in marked)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"sign_on_bonus": "999999999999.99"}, "sign_on_bonus"),
        ({"equity_grant_amount": "999999999999.99"}, "equity_grant_amount"),
        ({"equity_pct_min": "50", "company_valuation": "9999999999999999.99"}, "company_valuation"),
        ({"bonus_target_amount": "999999999999.99"}, "bonus_target_amount"),
    ],
)
def test_an_implausible_package_is_a_400_naming_its_field(as_user, extra, field):
    from tests.factories import CompanyFactory as Companies
    from tests.factories import MembershipFactory as Members

    client = as_user(Members(company=Companies()).user)
    body = {"title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "DE",
            "salary_min": 90_000, "salary_max": 110_000, "salary_currency": "EUR", **extra}  # fmt: skip
    response = client.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][0]["field"] == field
