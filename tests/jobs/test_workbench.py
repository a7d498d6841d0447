"""The moderators' and curators' workbench in the admin, under the real URLconf with a logged-in moderator."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from insights.models import MarketRange
from insights.services import market_ranges_rebuild, market_ranges_snapshot
from jobs.models import AuditAction, JobPosting, PostingStatus
from jobs.selectors import audit_trail_of
from salaries.models import BenchmarkFlag, ImportJob, ImportStatus, SalaryObservation
from salaries.services.benchmarks import benchmark_release_check, benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PendingPostingFactory, PublishedPostingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(moderator):
    moderator.is_staff = True
    moderator.save()
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def a_market(n=8):
    for i in range(n):
        PublishedPostingFactory(company=CompanyFactory(), salary_min=Decimal(140_000 + 2_000 * i),
                                salary_max=Decimal(170_000 + 2_000 * i))  # fmt: skip
    market_ranges_rebuild()


def test_the_queue_lists_pending_postings_oldest_first_against_the_market(moderator_client):
    a_market()
    older = PendingPostingFactory(title="Senior ML Engineer", salary_min=Decimal(90_000), salary_max=Decimal(100_000))
    newer = PendingPostingFactory(title="Staff ML Engineer", company=older.company)
    twin = PendingPostingFactory(title="senior ml engineer", company=older.company)  # the same job posted twice
    PublishedPostingFactory(title="Not waiting")

    page = moderator_client.get("/admin/jobs/pendingposting/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f"/admin/jobs/pendingposting/{older.pk}/") < html.index(f"/admin/jobs/pendingposting/{newer.pk}/")
    assert "Not waiting" not in html
    assert "<b>below</b>" in html and "p25–p75" in html  # 95,000 a year against a market of about 155,000
    assert f'/admin/jobs/jobposting/{twin.pk}/change/">#{twin.pk}' in html  # flagged, not dropped
    assert "meets every rule" in html


def test_the_queue_costs_the_same_queries_for_one_row_and_fifty(moderator_client, django_assert_max_num_queries):
    a_market(5)
    PendingPostingFactory()
    with django_assert_max_num_queries(14) as one:
        moderator_client.get("/admin/jobs/pendingposting/")
    for i in range(30):
        PendingPostingFactory(company=CompanyFactory(), title=f"ML Engineer {i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert moderator_client.get("/admin/jobs/pendingposting/").status_code == 200


def test_queue_actions_approve_and_reject_many_through_the_services(moderator_client):
    pending = [PendingPostingFactory(company=CompanyFactory()) for _ in range(3)]
    ids = [p.pk for p in pending]
    moderator_client.post("/admin/jobs/pendingposting/", {"action": "approve_selected", "_selected_action": ids[:2]})
    asked = moderator_client.post("/admin/jobs/pendingposting/",
                                  {"action": "reject_selected", "_selected_action": ids[2:]})  # fmt: skip
    assert b"reason" in asked.content  # asks for a reason first
    moderator_client.post("/admin/jobs/pendingposting/", {
        "action": "reject_selected", "_selected_action": ids[2:], "apply": "1", "reason": "Give the bonus target.",
    })  # fmt: skip
    statuses = dict(JobPosting.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == [PostingStatus.PUBLISHED, PostingStatus.PUBLISHED, PostingStatus.REJECTED]
    assert audit_trail_of(pending[2]).get(action=AuditAction.POSTING_REJECTED).note == "Give the bonus target."
    assert JobPosting.objects.visible().filter(pk__in=ids).count() == 2


def test_a_posting_page_shows_its_salary_context_and_links_to_its_ranges(moderator_client):
    a_market()
    posting = PublishedPostingFactory(company=CompanyFactory(), bonus_target_pct=Decimal(10))
    market_ranges_rebuild()
    page = moderator_client.get(f"/admin/jobs/jobposting/{posting.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pay against the market" in html and "Sample size" in html and "Percentile" in html
    assert "Total compensation" in html and "bonus 17,000" in html  # 10% of the 170,000 midpoint
    counted = MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m")
    assert reverse("admin:insights_marketrange_change", args=[counted.pk]) in html
    assert "counts in it" in html and "compared with it" in html
    assert "Approved and published" in html  # its audit trail


def test_a_market_range_page_shows_its_history(superuser_client):
    a_market()
    market_ranges_snapshot()
    biggest = MarketRange.objects.filter(published=True).order_by("-sample_size").first()
    page = superuser_client.get(f"/admin/insights/marketrange/{biggest.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "History (1 day of snapshots)" in html and "<svg" in html
    found = superuser_client.get("/admin/insights/marketrange/?q=ml_engineer+senior+US")
    assert biggest.key.encode() in found.content


def test_benchmark_flags_are_reviewed_with_a_note_and_keep_their_review(superuser_client):
    releases = benchmarks_load_seed_articles()
    flag = BenchmarkFlag.objects.filter(status=BenchmarkFlag.Review.OPEN).first()
    if flag is None:  # the seed tables may be consistent: make one contradiction
        benchmark = releases[0].benchmarks.exclude(pay_min=None).exclude(pay_max=None).first()
        benchmark.pay_min, benchmark.pay_max = benchmark.pay_max + 1, benchmark.pay_min
        benchmark.save()
        benchmark_release_check(release=benchmark.release)
        flag = BenchmarkFlag.objects.get(benchmark=benchmark, code=BenchmarkFlag.Code.RANGE_INVERTED)
    listing = superuser_client.get("/admin/salaries/benchmarkflag/?status__exact=open")
    assert listing.status_code == 200 and flag.release.source.slug.encode() in listing.content
    asked = superuser_client.post(
        "/admin/salaries/benchmarkflag/", {"action": "dismiss", "_selected_action": [flag.pk]}
    )
    assert b"note" in asked.content
    superuser_client.post("/admin/salaries/benchmarkflag/", {
        "action": "dismiss", "_selected_action": [flag.pk], "apply": "1", "note": "The article's own typo.",
    })  # fmt: skip
    flag.refresh_from_db()
    assert flag.status == BenchmarkFlag.Review.DISMISSED and flag.reviewed_by is not None
    # Checking the release again finds the same contradiction and keeps the curator's decision.
    benchmark_release_check(release=flag.release)
    again = BenchmarkFlag.objects.get(benchmark=flag.benchmark, code=flag.code)
    assert again.status == BenchmarkFlag.Review.DISMISSED and again.review_note == "The article's own typo."
    assert audit_trail_of(flag).filter(action=AuditAction.FLAG_REVIEWED).exists()


def test_an_import_uploaded_in_the_admin_runs_as_a_task_and_reports(
    superuser_client, django_capture_on_commit_callbacks
):
    rows = [
        "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
        "employee_residence,remote_ratio,company_location,company_size",
        "2025,SE,FT,Machine Learning Engineer,180000,USD,180000,US,0,US,L",
        "2025,MI,FT,Data Scientist,70000,EUR,73000,DE,0,DE,M",
        "2025,SE,FT,Machine Learning Engineer,not-a-number,USD,1,US,0,US,L",
    ]
    upload = SimpleUploadedFile("survey.csv", ("\n".join(rows) + "\n").encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post("/admin/salaries/importjob/add/", {
            "kind": "survey_aijobs", "file": upload, "release": "admin-test",
        })  # fmt: skip
    assert response.status_code == 302, response.content[:3000]
    job = ImportJob.objects.get()  # the embedded default ran the task at commit
    assert job.status == ImportStatus.DONE and job.rows_total == 3 and job.progress == 100
    assert job.summary["imported"] == 2 and job.summary["rejected"] == 1
    assert SalaryObservation.objects.filter(release__version="admin-test").count() == 2
    page = superuser_client.get(f"/admin/salaries/importjob/{job.pk}/change/")
    assert b"1 rejected rows (CSV)" in page.content
    report = superuser_client.get(f"/admin/salaries/importjob/{job.pk}/report/")
    assert report.status_code == 200 and b"salary" in b"".join(report.streaming_content)
    assert audit_trail_of(job).get(action=AuditAction.IMPORT_FINISHED).changes["imported"] == [None, 2]
    # A duplicated task message runs nothing twice.
    from salaries.tasks import run_import_task

    assert run_import_task.delay(job.pk).get() == "not claimed"


def test_every_model_is_in_the_admin_and_every_list_opens(superuser_client):
    a_market(5)
    PendingPostingFactory()
    for model in [m for label in ("jobs", "salaries", "insights") for m in apps.get_app_config(label).get_models()]:
        assert admin.site.is_registered(model), f"{model.__name__} is not in the admin"
        opts = model._meta
        page = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert page.status_code == 200, opts.label
