import pytest
from django.core.management import call_command

from insights.models import DirtySegment, MarketRange
from jobs.models import Company, JobPosting, SizeBand
from tests.insights.independent import assert_matches_independent, visible_midpoints


@pytest.mark.django_db(transaction=True)
def test_demo_is_idempotent_and_builds_published_ranges():
    call_command("demo", postings=400)
    call_command("rebuild_market_ranges")
    assert JobPosting.objects.visible().count() == 400
    assert set(Company.objects.values_list("size_band", flat=True)) == set(SizeBand.values)
    assert {"google", "meta", "amazon", "apple"} <= set(Company.objects.values_list("slug", flat=True))
    assert set(JobPosting.objects.values_list("salary_currency", flat=True)) >= {"USD", "EUR", "GBP", "SGD"}
    before = list(MarketRange.objects.order_by("key").values_list("key", "sample_size", "p50"))

    call_command("demo", postings=400)
    assert JobPosting.objects.count() == 400 + 44  # 400 published and 44 in the other states, none added twice
    assert list(MarketRange.objects.order_by("key").values_list("key", "sample_size", "p50")) == before
    assert not DirtySegment.objects.exists()

    biggest = MarketRange.objects.order_by("-sample_size").first()
    assert biggest.published and biggest.release["p50"] != biggest.p50
    assert_matches_independent(biggest, visible_midpoints(biggest.key))


@pytest.mark.django_db(transaction=True)
def test_demo_check_says_when_the_demo_must_be_loaded_again():
    from datetime import timedelta

    from django.utils import timezone

    from jobs.management.commands.demo import demo_problem
    from salaries.services.benchmarks import benchmarks_load_seed_articles

    assert demo_problem(100) == "0 of 144 demo postings"
    call_command("demo", postings=100)
    benchmarks_load_seed_articles()
    call_command("rebuild_market_ranges")
    assert demo_problem(100) is None
    with pytest.raises(SystemExit) as missing:
        call_command("demo", postings=200, check=True)
    assert missing.value.code == 1
    call_command("demo", postings=100, check=True)  # current: returns without loading

    # A demo left for months: its postings expire, and the check asks for a fresh load.
    one = JobPosting.objects.filter(status="published").order_by("id").first()
    JobPosting.objects.filter(pk=one.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert demo_problem(100) == "demo postings no longer visible (expired or closed): 1"


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_every_state_a_year_of_dates_and_a_history(client):
    from collections import Counter
    from datetime import timedelta

    from django.utils import timezone

    from insights.models import MarketRangeSnapshot

    call_command("demo", postings=300)
    demo = JobPosting.objects.filter(source_ref__startswith="demo-")
    statuses = Counter(demo.values_list("status", flat=True))
    assert statuses == {"published": 300, "pending_review": 12, "draft": 8, "rejected": 6, "closed": 6,
                        "filled": 6, "expired": 6}  # fmt: skip
    assert not demo.filter(status="rejected", rejection_reason="").exists()
    now = timezone.now()
    published = demo.filter(status="published").order_by("published_at").values_list("published_at", flat=True)
    assert now - published.first() > timedelta(days=300) and now - published.last() < timedelta(days=3)
    assert not demo.filter(status="published", expires_at__lt=now + timedelta(days=170)).exists()

    biggest = MarketRange.objects.filter(published=True).order_by("-sample_size").first()
    series = client.get(f"/api/v1/market-ranges/{biggest.key}/history/").json()
    days = [row["day"] for row in series["history"]]
    assert len(days) >= 20 and days == sorted(days)
    # The backfill counted only what was published by each day: a year ago held fewer postings than today.
    oldest = MarketRangeSnapshot.objects.filter(key=biggest.key).order_by("day").first()
    assert oldest.release["sample_size"] < biggest.release["sample_size"]
