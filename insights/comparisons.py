"""Comparisons across segments, and checks of what sources claim against the data we hold.

Computed from released market ranges only (insights.disclosure): a comparison is post-processing of public
figures, so it can show nothing the ranges themselves do not."""

from decimal import Decimal

from insights.models import MarketRange
from insights.segments import COUNTRY, WINDOW_ALL
from insights.selectors import RELEASE_COLUMNS
from salaries.models import SourceClaim
from salaries.taxonomy import SizeBand

SIDES = {"startup": SizeBand.STARTUP, "large": SizeBand.LARGE}
SIZE_NOTE = (
    "Startups: postings by companies in the startup band, and survey records from companies with fewer than "
    "50 employees; large: postings by large enterprises, and survey records from companies with more than 250. "
    "Each side is the released market range of its level, country and size band over all time: its median as "
    "published (with the ranges' noise), counted only when both sides are published."
)


def _side_ranges(*, role_family: str, country: str | None) -> dict[tuple[str, str, str], MarketRange]:
    """The all-time, any-sector, country ranges of startups and large companies, by (level, country, size band)."""
    ranges = MarketRange.objects.filter(
        role_family=role_family, scope=COUNTRY, size_band__in=list(SIDES.values()), sector="", remote=False,
        window=WINDOW_ALL, sample_size__gt=0,
    )  # fmt: skip
    if country:
        ranges = ranges.filter(place=country)
    return {(r.level, r.place, r.size_band): r for r in ranges.only(*RELEASE_COLUMNS, "level", "place", "size_band")}


def _side(market_range: MarketRange) -> dict:
    if not market_range.published:
        return {"published": False, "withheld_reason": market_range.withheld_reason, "median_usd": None,
                "sample_size": None}  # fmt: skip
    release = market_range.release
    return {"published": True, "withheld_reason": None, "median_usd": Decimal(release["p50"]),
            "sample_size": release["sample_size"]}  # fmt: skip


def startup_cash_discount(*, role_family: str, country: str | None = None) -> dict:
    """How much lower startups' base pay is than large companies', like for like: same level, same country.

    Each (level, country) cell whose two sides are both published gives a discount of their released medians;
    the overall figure weights the cells by their released sample sizes. A withheld side shows why, and no
    median: a median of one or two companies' points would be their pay.
    """
    ranges = _side_ranges(role_family=role_family, country=country)
    cells, weighted, weights = [], Decimal(0), 0
    for level, place in sorted({(level, place) for level, place, _ in ranges}):
        sides = {name: ranges.get((level, place, band)) for name, band in SIDES.items()}
        if None in sides.values():
            continue
        startup, large = _side(sides["startup"]), _side(sides["large"])
        counted = startup["published"] and large["published"]
        discount = (
            ((1 - startup["median_usd"] / large["median_usd"]) * 100).quantize(Decimal("0.1")) if counted else None
        )
        cells.append({"level": level, "country": place, "startup": startup, "large": large,
                      "discount_pct": discount, "counted": counted})  # fmt: skip
        if counted:
            size = startup["sample_size"] + large["sample_size"]
            weighted += discount * size
            weights += size
    return {
        "role_family": role_family,
        "country": country,
        "discount_pct": (weighted / weights).quantize(Decimal("0.1")) if weights else None,
        "sample_size": weights,
        "cells": cells,
        "definition": SIZE_NOTE,
    }


def claims_checked(*, country: str | None = None) -> list[dict]:
    """Every checkable claim from our sources, beside what the released data says."""
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
                    "source": "Released market ranges (job postings on this board and imported salary-survey records)",
                    "sample_size": observed["sample_size"],
                    "as_of": None,
                },
            }
        )
    return results
