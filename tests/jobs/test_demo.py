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
