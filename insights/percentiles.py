"""Exact percentiles with linear interpolation between closest ranks.

The definition is PostgreSQL's `percentile_cont`, NumPy's default ("linear") and
`statistics.quantiles(method="inclusive")`: for sorted values x[0..n-1] and fraction p,
h = (n - 1) * p and the result is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
"""

import math
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
    """Linear interpolation between closest ranks, computed as PostgreSQL computes it.

    PostgreSQL's percentile_cont works in double precision: h = fraction × (n − 1) and
    result = x[floor(h)] + (h − floor(h)) × (x[ceil(h)] − x[floor(h)]). Doing the same float operations here
    makes SQLite, the in-memory rebuild and PostgreSQL agree to the last digit, not merely to the cent.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    h = float(fraction) * (len(sorted_values) - 1)
    low = math.floor(h)
    high = math.ceil(h)
    below, above = float(sorted_values[low]), float(sorted_values[high])
    return as_numeric(below + (h - low) * (above - below))


def as_numeric(value: float) -> Decimal:
    """A double as PostgreSQL casts it to numeric (15 significant digits), so that rounding to cents gives the
    same cent on every path as `round(x::numeric, 2)` in the database."""
    return Decimal(format(value, ".15g"))


def as_numerics(values) -> list[Decimal]:
    """as_numeric of each of PostgreSQL's percentile_cont array, or [] for its NULL (no rows)."""
    return [as_numeric(value) for value in values] if values else []


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


def float_percentile(sorted_values: Sequence[int], fraction: float, *, scale: int = 1) -> Decimal:
    """percentile_cont of values given as integers in units of 1/scale (cents: scale=100).

    value / scale is the double nearest to the exact amount, as PostgreSQL's numeric → double cast gives,
    so the result is the same to the last digit as percentile_cont over the amounts themselves.
    """
    if len(sorted_values) == 0:  # (a NumPy array has no truth value)
        raise ValueError("percentile of no values")
    h = fraction * (len(sorted_values) - 1)
    low = math.floor(h)
    below, above = sorted_values[low] / scale, sorted_values[math.ceil(h)] / scale
    return as_numeric(below + (h - low) * (above - below))
