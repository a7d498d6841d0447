"""Comparisons across segments, and checks of what sources claim against the data we hold."""

import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.conf import settings

from jobs.models import JobPosting
from salaries.models import SalaryObservation, SourceClaim
from salaries.taxonomy import SizeBand

SIDES = [SizeBand.STARTUP, SizeBand.LARGE]
SIZE_NOTE = (
    "Startups: postings by companies in the startup band, and survey records from companies with fewer than "
    "50 employees; large: postings by large enterprises, and survey records from companies with more than 250."
)


def _base_pay_points(*, role_family: str, country: str | None) -> dict[tuple[str, str, str], list[tuple[int, Decimal]]]:
    """Base pay per (level, country, size band), each with its contributor: visible postings' midpoints (their
    company) and survey salaries (each respondent their own, as in market ranges)."""
    postings = JobPosting.objects.visible().filter(role_family=role_family, company__size_band__in=SIDES)
    observations = SalaryObservation.objects.filter(role_family=role_family, company_size__in=SIDES)
    if country:
        postings, observations = postings.filter(country=country), observations.filter(country=country)
    points: dict[tuple[str, str, str], list[tuple[int, Decimal]]] = defaultdict(list)
    posted = postings.values_list("level", "country", "company__size_band", "company_id", "salary_mid_usd")
    for level, place, size, company, pay in posted:
        points[(level, place, size)].append((company, pay))
    surveyed = observations.values_list("level", "country", "company_size", "id", "salary_usd")
    for level, place, size, record, pay in surveyed:
        points[(level, place, size)].append((-record, pay))
    return points


def _publishable(points: list[tuple[int, Decimal]]) -> bool:
    """The market ranges' publication rule, for one side of a cell: its median is shown only if it passes."""
    per_contributor = Counter(contributor for contributor, _ in points)
    return (
        len(points) >= settings.MARKET_MIN_SAMPLE_SIZE
        and len(per_contributor) >= settings.MARKET_MIN_COMPANIES
        and max(per_contributor.values()) * 2 <= len(points)
    )


def startup_cash_discount(*, role_family: str, country: str | None = None) -> dict:
    """How much lower startups' base pay is than large companies', like for like: same level, same country.

    Each (level, country) cell whose two sides both pass the market ranges' publication rule (at least 5
    points from at least 3 contributors, none with more than half) gives a discount of medians; the overall
    figure weights the cells by the points behind them. Thinner cells are listed with their counts only: a
    median of one or two companies' points would be their pay.
    """
    points = _base_pay_points(role_family=role_family, country=country)
    cells, weighted, weights = [], Decimal(0), 0
    for level, place in sorted({(level, place) for level, place, _ in points}):
        startup, large = points.get((level, place, SizeBand.STARTUP)), points.get((level, place, SizeBand.LARGE))
        if not startup or not large:
            continue
        shown = {side: _publishable(side_points) for side, side_points in (("startup", startup), ("large", large))}
        medians = {
            "startup": statistics.median(pay for _, pay in startup) if shown["startup"] else None,
            "large": statistics.median(pay for _, pay in large) if shown["large"] else None,
        }
        counted = shown["startup"] and shown["large"]
        discount = ((1 - medians["startup"] / medians["large"]) * 100).quantize(Decimal("0.1")) if counted else None
        cells.append(
            {
                "level": level,
                "country": place,
                "startup_median_usd": medians["startup"].quantize(Decimal("0.01")) if shown["startup"] else None,
                "large_median_usd": medians["large"].quantize(Decimal("0.01")) if shown["large"] else None,
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
