"""Whatever sequence of writes and drains happens, every stored release is the one a from-scratch computation
gives (hypothesis): publishes, pay edits, closes, expiries, company size and sector changes, survey imports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.disclosure import range_release
from insights.models import DirtySegment, MarketRange
from insights.services import market_ranges_verify
from insights.services.segment_stats import segment_stats_stream
from jobs import services
from jobs.models import Company, JobPosting
from salaries.services.observations import salary_observations_import_aijobs
from tests.factories import CompanyFactory, ModeratorFactory, PublishedPostingFactory

PLACES = [("US", "Seattle"), ("US", ""), ("DE", "Berlin"), ("GB", "London")]
SURVEY_HEADER = (
    "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
    "employee_residence,remote_ratio,company_location,company_size"
)

pay = st.integers(min_value=60, max_value=400).map(lambda thousands: Decimal(thousands * 1000))
operation = st.one_of(
    st.tuples(st.just("publish"), st.integers(0, 5), st.sampled_from(PLACES), st.booleans(), pay),
    st.tuples(st.just("edit_pay"), st.integers(0, 100), pay),
    st.tuples(st.just("close"), st.integers(0, 100)),
    st.tuples(st.just("expire"), st.integers(0, 100)),
    st.tuples(st.just("resize"), st.integers(0, 5), st.sampled_from(["startup", "mid_size", "large"])),
    st.tuples(st.just("change_sector"), st.integers(0, 5), st.sampled_from(["technology", "finance", "media"])),
    st.tuples(st.just("import"), st.lists(pay, min_size=1, max_size=4)),
)


def member_of(company):
    return company.memberships.first().user


def apply(step, companies, tmp_path, counter) -> None:
    kind, *args = step
    visible = list(JobPosting.objects.visible().order_by("id"))
    if kind == "publish":
        index, (country, city), remote, amount = args
        PublishedPostingFactory(
            company=companies[index], country=country, city=city, remote_policy="remote" if remote else "onsite",
            salary_min=amount, salary_max=amount + Decimal(20_000),
        )  # fmt: skip
    elif kind in ("edit_pay", "close", "expire") and visible:
        posting = visible[args[0] % len(visible)]
        if kind == "edit_pay":
            services.posting_update(
                posting=posting, user=member_of(posting.company),
                data={"salary_min": args[1], "salary_max": args[1] + Decimal(10_000)},
            )  # fmt: skip
        elif kind == "close":
            services.posting_close(posting=posting, user=member_of(posting.company))
        else:
            JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
            services.postings_expire_due()
    elif kind in ("resize", "change_sector"):
        company = Company.objects.get(pk=companies[args[0]].pk)
        if kind == "resize":
            company.size_band = args[1]
        else:
            company.sector = args[1]
        services.company_save(company=company)
    elif kind == "import":
        counter[0] += 1
        rows = [f"{date.today().year},SE,FT,Machine Learning Engineer,{int(s)},USD,{int(s)},US,0,US,M" for s in args[0]]
        survey = tmp_path / f"survey-{counter[0]}.csv"
        survey.write_text("\n".join([SURVEY_HEADER, *rows]) + "\n")
        salary_observations_import_aijobs(path=survey, release_version=f"v{counter[0]}")


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=3, max_size=12))
def test_stored_releases_always_equal_a_fresh_decision(steps, tmp_path, django_capture_on_commit_callbacks):
    ModeratorFactory(username="factory-moderator")  # the factories' moderator, once per example database state
    companies = list(Company.objects.order_by("id")[:6])
    while len(companies) < 6:
        companies.append(CompanyFactory())
    counter = [JobPosting.objects.count()]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):  # each write's drain runs after its commit
            apply(step, companies, tmp_path, counter)

    assert not DirtySegment.objects.exists()
    assert market_ranges_verify() == []  # every statistic and every release, against an independent computation
    fresh = dict(segment_stats_stream(now=timezone.now()))
    for market_range in MarketRange.objects.filter(sample_size__gt=0):
        release = range_release(fresh[market_range.key])
        assert (market_range.published, market_range.release) == (release.published, release.figures), market_range.key
