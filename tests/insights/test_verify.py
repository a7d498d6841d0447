"""verify_market_ranges finds nothing after any sequence of writes, and finds tampering."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from insights.models import DirtySegment, MarketRange
from insights.services import market_ranges_verify
from jobs import services
from jobs.models import JobPosting
from tests.factories import CompanyFactory, MembershipFactory, PublishedPostingFactory


def user_of(posting):
    return posting.company.memberships.first().user


@pytest.mark.django_db
def test_ranges_match_a_rebuild_after_publishing_editing_closing_expiring_and_reopening(
    as_user, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        postings = [PublishedPostingFactory(company=CompanyFactory(), salary_min=100_000 + 4_000 * i) for i in range(8)]
    assert market_ranges_verify() == []

    first, second, third, fourth = postings[:4]
    employer = as_user(user_of(first))
    with django_capture_on_commit_callbacks(execute=True):
        # Edit the pay, then the segment, of a published posting: back to review each time, then approved again.
        for change in ({"salary_max": 300_000}, {"country": "DE"}):
            assert (
                employer.patch(f"/api/v1/jobs/{first.pk}/", change, format="json").json()["status"] == "pending_review"
            )
            assert as_user(moderator).post(f"/api/v1/jobs/{first.pk}/approve/").json()["status"] == "published"
    with django_capture_on_commit_callbacks(execute=True):
        # Close, reopen, resubmit and republish in quick succession.
        other = as_user(user_of(second))
        assert other.post(f"/api/v1/jobs/{second.pk}/close/").status_code == 200
        assert other.post(f"/api/v1/jobs/{second.pk}/reopen/").json()["status"] == "draft"
        assert other.post(f"/api/v1/jobs/{second.pk}/submit/").status_code == 200
        assert as_user(moderator).post(f"/api/v1/jobs/{second.pk}/approve/").json()["status"] == "published"
    with django_capture_on_commit_callbacks(execute=True):
        as_user(user_of(third)).post(f"/api/v1/jobs/{third.pk}/close/", {"outcome": "filled"}, format="json")
        JobPosting.objects.filter(pk=fourth.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        services.postings_expire_due()

    assert not DirtySegment.objects.exists()
    assert market_ranges_verify() == []
    call_command("verify_market_ranges")  # exits cleanly
    assert MarketRange.objects.get(key="ml_engineer:senior:country:DE:any:any:12m").sample_size == 1
    assert MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m").sample_size == 5


@pytest.mark.django_db
def test_a_stale_or_tampered_range_is_reported(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            PublishedPostingFactory(company=CompanyFactory(), salary_min=100_000 + 4_000 * i)
    MarketRange.objects.filter(key="ml_engineer:senior:country:US:any:any:12m").update(p50=Decimal("1.00"))
    JobPosting.objects.filter(pk=JobPosting.objects.first().pk).update(status="closed")  # behind the services' back

    found = {(d.key, d.field) for d in market_ranges_verify()}
    assert ("ml_engineer:senior:country:US:any:any:12m", "p50") in found
    assert ("ml_engineer:senior:world:-:any:any:12m", "sample_size") in found
    with pytest.raises(CommandError, match="difference"):
        call_command("verify_market_ranges")


@pytest.mark.django_db
def test_only_closed_and_expired_postings_reopen(as_user, django_capture_on_commit_callbacks):
    posting = PublishedPostingFactory()
    employer = as_user(MembershipFactory(company=posting.company).user)
    assert employer.post(f"/api/v1/jobs/{posting.pk}/reopen/").status_code == 409
    employer.post(f"/api/v1/jobs/{posting.pk}/close/", {"outcome": "filled"}, format="json")
    response = employer.post(f"/api/v1/jobs/{posting.pk}/reopen/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"


@pytest.mark.django_db
def test_the_one_pass_rebuild_equals_recomputing_each_segment(tmp_path, django_capture_on_commit_callbacks):
    from insights.services import market_ranges_rebuild
    from salaries.services.observations import salary_observations_import_aijobs

    survey = tmp_path / "survey.csv"
    survey.write_text(
        "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
        "employee_residence,remote_ratio,company_location,company_size\n"
        + "".join(f"{2026 - i % 3},SE,FT,ML Engineer,{150000 + 997 * i},USD,1,US,{100 * (i % 2)},US,{'SML'[i % 3]}\n" for i in range(40))
    )  # fmt: skip
    salary_observations_import_aijobs(path=survey, release_version="t")
    for i in range(12):
        PublishedPostingFactory(
            company=CompanyFactory(size_band=["startup", "large"][i % 2], industry=["Fintech", "Software", ""][i % 3]),
            city=["Seattle", "Austin"][i % 2],
            remote_policy=["remote", "onsite"][i % 2], salary_min=100_000 + 3_000 * i, salary_max=160_000,
            bonus_target_pct=Decimal(i),
        )  # fmt: skip
    MarketRange.objects.create(
        key="data_analyst:intern:country:JP:any:any:all",
        role_family="data_analyst",
        level="intern",
        sample_size=3,
        computed_at=timezone.now(),
    )  # fmt: skip  (stale)

    written = market_ranges_rebuild()
    assert written == MarketRange.objects.count() > 40
    assert market_ranges_verify() == []
    assert not DirtySegment.objects.exists()
    stale = MarketRange.objects.get(key="data_analyst:intern:country:JP:any:any:all")
    assert stale.sample_size == 0 and stale.p50 is None
    remote_startups = MarketRange.objects.get(key="ml_engineer:senior:country:US:startup:remote:all")
    assert remote_startups.posting_count == 6 and remote_startups.observation_count > 0
    # A sector's ranges hold its companies' postings only: surveys give no industry. Fintech: i = 0, 3, 6, 9.
    fintech = MarketRange.objects.get(key="ml_engineer:senior:world:-:any:finance:any:all")
    assert (fintech.posting_count, fintech.observation_count, fintech.company_count) == (4, 0, 4)
    assert not MarketRange.objects.filter(scope="city").exclude(sector="").exists()
