"""Exact percentiles with linear interpolation between closest ranks.

The definition is PostgreSQL's `percentile_cont`, NumPy's default ("linear") and
`statistics.quantiles(method="inclusive")`: for sorted values x[0..n-1] and fraction p,
h = (n - 1) * p and the result is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
"""

from collections.abc import Sequence
from decimal import Decimal

FRACTIONS: dict[str, Decimal] = {
    "p10": Decimal("0.10"),
    "p25": Decimal("0.25"),
    "p50": Decimal("0.50"),
    "p75": Decimal("0.75"),
    "p90": Decimal("0.90"),
}


def percentile_cont(sorted_values: Sequence[Decimal], fraction: Decimal) -> Decimal:
    if not sorted_values:
        raise ValueError("percentile of no values")
    h = (len(sorted_values) - 1) * Decimal(fraction)
    low = int(h)
    if low + 1 >= len(sorted_values):
        return Decimal(sorted_values[-1])
    below, above = Decimal(sorted_values[low]), Decimal(sorted_values[low + 1])
    return below + (h - low) * (above - below)


def percentile_rank(value: Decimal, points: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Where `value` sits on a curve of (percentile, amount) points, by linear interpolation.

    Values outside the curve are clamped to its first or last percentile.
    """
    if value <= points[0][1]:
        return points[0][0]
    for (p_low, v_low), (p_high, v_high) in zip(points, points[1:], strict=False):
        if value <= v_high:
            if v_high == v_low:
                return p_high
            return p_low + (p_high - p_low) * (value - v_low) / (v_high - v_low)
    return points[-1][0]
