"""Checks of public figures against the exact ones behind them (insights.disclosure), for tests."""

from decimal import Decimal

from insights.disclosure import ROUND_TO, noise_bounds


def within_release_noise(public, exact, *, n: int) -> bool:
    """Whether a public percentile is the exact one moved by a share in noise_bounds(n), then rounded."""
    low, high = noise_bounds(n)
    public, exact = Decimal(str(public)), Decimal(str(exact))
    slack = Decimal(ROUND_TO) / 2 + Decimal("0.01")
    moved = abs(public - exact)
    return exact * Decimal(low) - slack <= moved <= exact * Decimal(high) + slack
