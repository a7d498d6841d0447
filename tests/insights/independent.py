"""An independent computation of market statistics, for comparing with what the product stores."""

import statistics
from decimal import ROUND_HALF_UP, Decimal

from insights.segments import Segment
from jobs.models import JobPosting

CENT = Decimal("0.01")


def expected_percentiles(values) -> dict[str, Decimal]:
    """p10…p90 by statistics.quantiles(method="inclusive"): the same linear interpolation as
    PostgreSQL's percentile_cont, computed another way (floats, the standard library)."""
    floats = sorted(float(v) for v in values)
    if len(floats) == 1:
        cuts = floats * 19
    else:
        cuts = statistics.quantiles(floats, n=20, method="inclusive")
    positions = {"p10": 1, "p25": 4, "p50": 9, "p75": 14, "p90": 17}
    return {name: Decimal(repr(cuts[i])).quantize(CENT, ROUND_HALF_UP) for name, i in positions.items()}


def visible_midpoints(key: str) -> list[Decimal]:
    """The segment's posting data points: visible postings with pay their employer gave (written out here rather
    than through JobPostingQuerySet.market_points, so a slip there shows)."""
    segment = Segment.from_key(key)
    postings = JobPosting.objects.visible().in_segment(segment).filter(pay_kind="employer")
    return list(postings.values_list("salary_mid_usd", flat=True))


def assert_matches_independent(market_range, values) -> None:
    expected = expected_percentiles(values)
    assert market_range.sample_size == len(values)
    for name, value in expected.items():
        stored = getattr(market_range, name)
        # Floats and exact decimals can straddle a half-cent when rounding: allow one cent.
        assert abs(stored - value) <= CENT, (name, stored, value)
