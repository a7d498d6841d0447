"""The drain's point cache (insights.services.point_cache) gives the one-pass engine's figures, field for
field: after changes through the services (read back as deltas, nothing reloaded), and after changes behind
their back (found by the periodic checksum, which reloads the partition and marks its segments again).

PostgreSQL only, as the cache is: skips without it, and fails instead under REQUIRE_SERVICES=1."""

import dataclasses
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from insights.models import DirtySegment
from insights.services import market_ranges_verify, point_cache
from insights.services.point_cache import PointCache
from insights.services.segment_stats import segment_stats_stream
from jobs import services
from jobs.models import Company, JobPosting
from tests.conftest import require_or_skip
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        require_or_skip("the point cache is PostgreSQL's: set DATABASE_URL=postgres://…")


@pytest.fixture
def no_margin(monkeypatch, settings):
    # No margin: what was saved before a batch is not read again, and the checksum runs only when told to.
    monkeypatch.setattr(point_cache, "CHANGE_MARGIN", timedelta(0))
    settings.MARKET_POINT_CACHE_CHECK_SECONDS = 3600


def engine(now):
    return {key: dataclasses.asdict(stats) for key, stats in segment_stats_stream(now=now)}


def cached(cache, now, keys):
    return {key: dataclasses.asdict(stats) for key, stats in cache.segment_stats(now=now, keys=keys).items()}


def import_survey(tmp_path, years, *, raise_by=0):
    header = "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,employee_residence,remote_ratio,company_location,company_size"
    rows = [
        f"{year},SE,FT,Machine Learning Engineer,{140_000 + 7_000 * i + raise_by},USD,{140_000 + 7_000 * i + raise_by},US,{100 if i % 2 else 0},US,{'SML'[i % 3]}"
        for i, year in enumerate(years)
    ]
    survey = tmp_path / "survey.csv"
    survey.write_text("\n".join([header, *rows]) + "\n")
    call_command("import_salaries", str(survey), "--format", "aijobs", "--report", str(tmp_path / "report.csv"))


def publish_mix(django_capture_on_commit_callbacks):
    companies = [
        CompanyFactory(size_band=band, industry=industry)
        for band, industry in (("startup", "Fintech"), ("mid_size", "Software"), ("large", ""), ("large", "Pharma"))
    ]
    places = [("US", "Seattle", "onsite"), ("US", "", "remote"), ("DE", "Berlin", "hybrid"), ("SG", "", "onsite")]
    with django_capture_on_commit_callbacks(execute=True):
        return [
            PublishedPostingFactory(
                company=companies[i % 4], country=country, city=city, remote_policy=remote,
                salary_min=100_000 + 3_333 * i, salary_max=140_000 + 5_000 * i,
            )
            for i, (country, city, remote) in enumerate(places * 3)
        ]  # fmt: skip


def member(posting):
    return posting.company.memberships.first().user


def test_changes_through_the_services_are_read_back_without_reloading(
    tmp_path, no_margin, django_capture_on_commit_callbacks
):
    this_year = date.today().year
    years = [this_year, this_year, this_year - 3, this_year - 4]
    import_survey(tmp_path, years)
    postings = publish_mix(django_capture_on_commit_callbacks)
    now = timezone.now()
    expected = engine(now)
    keys = set(expected)
    cache = PointCache()
    assert cached(cache, now, keys) == expected

    with django_capture_on_commit_callbacks(execute=True):
        services.posting_update(posting=postings[0], user=member(postings[0]), data={"salary_max": 260_000})
        services.posting_update(posting=postings[4], user=member(postings[4]), data={"country": "GB", "city": "London"})
        services.posting_close(posting=postings[1], user=member(postings[1]))
        PublishedPostingFactory(company=postings[2].company, country="US", city="Austin", salary_min=175_000)
        company = Company.objects.get(pk=postings[3].company_id)
        company.size_band = "mid_size"  # moves four postings to other segments without saving them
        services.company_save(company=company)
        company = Company.objects.get(pk=postings[0].company_id)
        company.sector = "media"  # so does a new sector (finance before)
        services.company_save(company=company)
    import_survey(tmp_path, years, raise_by=2_500)  # re-imported with new values: updated in place
    now = timezone.now()
    expected = engine(now)
    assert cached(cache, now, keys | set(expected)) == expected
    assert cache.reloads == 0


def test_changes_behind_the_services_back_are_found_by_the_checksum_and_marked_again(
    settings, no_margin, django_capture_on_commit_callbacks
):
    postings = publish_mix(django_capture_on_commit_callbacks)
    now = timezone.now()
    keys = set(engine(now))
    cache = PointCache()
    cache.segment_stats(now=now, keys=keys)  # the first batch compares, and all is well
    assert cache.reloads == 0

    # SQL that bypasses the services saves no updated_at: until the next comparison the cache has the old pay.
    JobPosting.objects.filter(pk=postings[2].pk).update(salary_mid_usd=123_456, total_comp_mid_usd=123_456)
    JobPosting.objects.filter(pk=postings[3].pk).update(expires_at=timezone.now() + timedelta(days=999))
    now = timezone.now()
    expected = engine(now)
    assert cached(cache, now, keys) != expected

    DirtySegment.objects.all().delete()
    settings.MARKET_POINT_CACHE_CHECK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=False):
        assert cached(cache, now, keys) == expected
    assert cache.reloads == 1  # every posting here is in one partition: ml_engineer:senior
    # Its segments are marked again, so whatever was stored from the stale copy is recomputed.
    marked = set(DirtySegment.objects.values_list("key", flat=True))
    assert keys <= marked


def test_drains_through_the_cache_leave_nothing_for_verify_to_find(django_capture_on_commit_callbacks):
    """The drains of these writes run in this process, through its cache; the independent check agrees."""
    with django_capture_on_commit_callbacks(execute=True):
        postings = [PublishedPostingFactory(company=CompanyFactory(), salary_min=90_000 + 7_000 * i) for i in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        services.posting_update(posting=postings[0], user=member(postings[0]), data={"level": "staff"})
        services.posting_close(posting=postings[1], user=member(postings[1]))
    assert market_ranges_verify() == []
