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
    assert JobPosting.objects.count() == 400
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

    assert demo_problem(100) == "0 of 100 demo postings"
    call_command("demo", postings=100)
    benchmarks_load_seed_articles()
    call_command("rebuild_market_ranges")
    assert demo_problem(100) is None
    with pytest.raises(SystemExit) as missing:
        call_command("demo", postings=200, check=True)
    assert missing.value.code == 1
    call_command("demo", postings=100, check=True)  # current: returns without loading

    # A demo left for months: its postings expire, and the check asks for a fresh load.
    JobPosting.objects.filter(pk=JobPosting.objects.first().pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert demo_problem(100) == "demo postings no longer visible (expired or closed): 1"
