"""Comparisons across segments, and checks of what sources claim against the data we hold."""

import statistics
from collections import defaultdict
from decimal import Decimal

from jobs.models import JobPosting
from salaries.models import SalaryObservation, SourceClaim
from salaries.taxonomy import SizeBand

MIN_POINTS_PER_SIDE = 5
SIDES = [SizeBand.STARTUP, SizeBand.LARGE]
SIZE_NOTE = (
    "Startups: postings by companies in the startup band, and survey records from companies with fewer than "
    "50 employees; large: postings by large enterprises, and survey records from companies with more than 250."
)


def _base_pay_points(*, role_family: str, country: str | None) -> dict[tuple[str, str, str], list[Decimal]]:
    """Base pay per (level, country, size band): visible postings' midpoints and survey salaries."""
    postings = JobPosting.objects.visible().filter(role_family=role_family, company__size_band__in=SIDES)
    observations = SalaryObservation.objects.filter(role_family=role_family, company_size__in=SIDES)
    if country:
        postings, observations = postings.filter(country=country), observations.filter(country=country)
    points: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for level, place, size, pay in postings.values_list("level", "country", "company__size_band", "salary_mid_usd"):
        points[(level, place, size)].append(pay)
    for level, place, size, pay in observations.values_list("level", "country", "company_size", "salary_usd"):
        points[(level, place, size)].append(pay)
    return points


def startup_cash_discount(*, role_family: str, country: str | None = None) -> dict:
    """How much lower startups' base pay is than large companies', like for like: same level, same country.

    Each (level, country) cell with at least five points on both sides gives a discount of medians; the
    overall figure weights the cells by the points behind them. Thinner cells are listed, not counted.
    """
    points = _base_pay_points(role_family=role_family, country=country)
    cells, weighted, weights = [], Decimal(0), 0
    for level, place in sorted({(level, place) for level, place, _ in points}):
        startup, large = points.get((level, place, SizeBand.STARTUP)), points.get((level, place, SizeBand.LARGE))
        if not startup or not large:
            continue
        startup_median, large_median = statistics.median(startup), statistics.median(large)
        discount = ((1 - startup_median / large_median) * 100).quantize(Decimal("0.1"))
        counted = len(startup) >= MIN_POINTS_PER_SIDE and len(large) >= MIN_POINTS_PER_SIDE
        cells.append(
            {
                "level": level,
                "country": place,
                "startup_median_usd": startup_median.quantize(Decimal("0.01")),
                "large_median_usd": large_median.quantize(Decimal("0.01")),
                "startup_points": len(startup),
                "large_points": len(large),
                "discount_pct": discount,
                "counted": counted,
            }
        )
        if counted:
            weighted += discount * (len(startup) + len(large))
            weights += len(startup) + len(large)
    return {
        "role_family": role_family,
        "country": country,
        "discount_pct": (weighted / weights).quantize(Decimal("0.1")) if weights else None,
        "sample_size": weights,
        "cells": cells,
        "definition": SIZE_NOTE,
    }


def claims_checked(*, country: str | None = None) -> list[dict]:
    """Every checkable claim from our sources, beside what the data says."""
    results = []
    for claim in SourceClaim.objects.select_related("release__source"):
        observed = startup_cash_discount(role_family=claim.role_family or "ml_engineer", country=country)
        value = observed["discount_pct"]
        if value is None:
            verdict = "not_enough_data"
        elif value < claim.low:
            verdict = "smaller_than_claimed"
        elif value > claim.high:
            verdict = "larger_than_claimed"
        else:
            verdict = "consistent"
        results.append(
            {
                "claim": claim.text,
                "metric": claim.metric,
                "claimed_low": claim.low,
                "claimed_high": claim.high,
                "source": {"slug": claim.release.source.slug, "title": claim.release.source.title},
                "observed": observed,
                "verdict": verdict,
                "provenance": {
                    "kind": "computed",
                    "source": "Job postings on this board and imported salary-survey records",
                    "sample_size": observed["sample_size"],
                    "as_of": None,
                },
            }
        )
    return results
