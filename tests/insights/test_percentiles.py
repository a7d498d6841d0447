from decimal import ROUND_HALF_UP, Decimal

import numpy
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.models import MarketRange
from insights.percentiles import FRACTIONS, float_percentile, percentile_cont, percentile_rank
from insights.segments import Segment
from insights.services import market_range_recompute, point_cache, segment_stats_compute
from jobs.models import JobPosting
from tests.factories import CompanyFactory, PublishedPostingFactory
from tests.insights.independent import assert_matches_independent, expected_percentiles, visible_midpoints

amounts = st.decimals(min_value=Decimal("1000"), max_value=Decimal("900000"), places=2, allow_nan=False)


@given(st.lists(amounts, min_size=1, max_size=200))
def test_percentile_cont_matches_numpy_linear(values):
    ordered = sorted(values)
    for fraction in FRACTIONS.values():
        ours = percentile_cont(ordered, fraction)
        theirs = numpy.percentile([float(v) for v in ordered], float(fraction) * 100, method="linear")
        assert abs(float(ours) - theirs) <= 1e-6 * max(1.0, abs(theirs))


@given(st.lists(amounts, min_size=1, max_size=200))
def test_percentile_of_cents_is_the_percentile_of_the_amounts_to_the_last_digit(values):
    """The engine reads pay as whole cents; its percentiles must be those of the decimal amounts, digit for digit."""
    ordered = sorted(values)
    cents = [int(value * 100) for value in ordered]
    for fraction in FRACTIONS.values():
        assert float_percentile(cents, float(fraction), scale=100) == percentile_cont(ordered, fraction)


@given(st.lists(amounts, min_size=2, max_size=50))
def test_percentiles_are_ordered_and_within_the_data(values):
    ordered = sorted(values)
    results = [percentile_cont(ordered, f) for f in FRACTIONS.values()]
    assert results == sorted(results)
    assert ordered[0] <= results[0] and results[-1] <= ordered[-1]


def test_percentile_rank_interpolates_and_clamps():
    curve = [(Decimal(10), Decimal(100)), (Decimal(50), Decimal(200)), (Decimal(90), Decimal(400))]
    assert percentile_rank(Decimal(150), curve) == Decimal(30)
    assert percentile_rank(Decimal(300), curve) == Decimal(70)
    assert percentile_rank(Decimal(50), curve) == Decimal(10)
    assert percentile_rank(Decimal(999), curve) == Decimal(90)


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(pay=st.lists(st.integers(min_value=40_000, max_value=600_000), min_size=1, max_size=25))
def test_stored_percentiles_equal_an_independent_computation(pay, django_capture_on_commit_callbacks):
    """On whichever database the suite runs on (SQLite by default, PostgreSQL in CI)."""
    JobPosting.objects.all().delete()  # examples share one test transaction
    point_cache._cache = point_cache.PointCache()  # …and that delete went behind the drain cache's back
    companies = [CompanyFactory(industry=industry) for industry in ("Software", "Fintech", "Software")]
    with django_capture_on_commit_callbacks(execute=True):
        for index, amount in enumerate(pay):
            PublishedPostingFactory(
                company=companies[index % 3],
                role_family="data_scientist",
                level="mid",
                country="DE",
                salary_currency="EUR",
                salary_min=Decimal(amount),
                salary_max=Decimal(amount + index * 1000),
            )
    for key in ("data_scientist:mid:country:DE:any:any:12m", "data_scientist:mid:world:-:any:any:12m"):
        stored = MarketRange.objects.get(key=key)
        values = visible_midpoints(key)
        assert_matches_independent(stored, values)
        assert stored.company_count == min(3, len(pay))
        assert stored.mean == (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    # The technology sector's range: the first and third companies' postings (every index but 1, 4, 7, …).
    stored = MarketRange.objects.get(key="data_scientist:mid:world:-:any:technology:any:12m")
    values = visible_midpoints(stored.key)
    assert len(values) == len(pay) - len(range(1, len(pay), 3))
    assert_matches_independent(stored, values)


@pytest.mark.django_db
def test_recompute_twice_gives_the_same_range(django_capture_on_commit_callbacks):
    companies = [CompanyFactory() for _ in range(3)]
    for index in range(7):
        PublishedPostingFactory(company=companies[index % 3], salary_min=100_000 + 7_000 * index, salary_max=200_000)
    first = market_range_recompute(key="ml_engineer:senior:country:US:any:any:12m")
    second = market_range_recompute(key="ml_engineer:senior:country:US:any:any:12m")
    fields = ["sample_size", "company_count", "p10", "p25", "p50", "p75", "p90", "mean"]
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]
    assert first.sample_size == 7
    assert expected_percentiles(visible_midpoints(first.key))["p50"] == second.p50


@pytest.mark.django_db
def test_empty_segment_has_no_numbers():
    stats = segment_stats_compute(segment=Segment("data_analyst", "intern", "JP"))
    assert stats.sample_size == 0 and stats.percentiles["p50"] is None and stats.mean is None
    assert connection.vendor in ("sqlite", "postgresql")
