"""Offer evaluation: where an offer's base pay and total compensation sit in their market, read from stored
releases, beside the curated benchmarks for the same role, level and place, with a verdict and a counter-offer
range. Nothing is stored: the offer lives for the request only.

Cost: a handful of indexed lookups whatever the data size (the exchange rate, the stored releases of the
segments tried, the company when one is named, the curated benchmarks of the role and level).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from config.errors import DomainError
from insights.disclosure import PERCENTILES
from insights.percentiles import percentile_rank
from insights.segments import WINDOW_12M, Segment, country_segment
from insights.selectors import DISCLOSURE_NOTE, MARKET_SOURCE, StoredRelease, release_curve, stored_releases
from salaries.compensation import Package, total_compensation
from salaries.money import annualise, check_plausible_annual_usd, from_usd, money, rate_on, to_usd
from salaries.selectors import benchmarks_beside
from salaries.titles import normalise_title

COUNTER_NOTE = (
    "Ask for the market's median to its p75 when the offer sits below the median; between where it is and the "
    "p75 when it sits between them. Above the p75 the base is already strong: negotiate other parts instead."
)


@dataclass(frozen=True)
class Offer:
    role_family: str | None
    level: str | None
    title: str
    country: str
    city: str
    size_band: str
    company: object  # jobs.models.Company or None
    base_amount: Decimal
    currency: str
    period: str
    package: Package


def _role_and_level(offer: Offer) -> tuple[str, str, dict | None]:
    role, level, read = offer.role_family, offer.level, None
    if offer.title and (role is None or level is None):
        match = normalise_title(offer.title)
        read = {"role_family": match.role_family, "level": match.level, "evidence": match.level_evidence}
        role = role or (match.role_family if match.recognised else None)
        level = level or match.level
    if role is None:
        raise DomainError("Give a role, or a title we can read a role from.", field="role", code="required")
    if level is None:
        raise DomainError("Give a level, or a title that says one (e.g. Senior).", field="level", code="required")
    return role, level, read


def _chain(role: str, level: str, country: str, city: str, size_band: str) -> list[Segment]:
    """Narrowest first: the place with the company's size band, then the place for any size, each widening."""
    base = country_segment(role, level, country, window=WINDOW_12M)
    if city:
        from insights.segments import CITY, city_place

        if place := city_place(country, city):
            base = Segment(role, level, CITY, place, window=WINDOW_12M)
    chains = []
    if size_band:
        chains += Segment(**{**base.__dict__, "size_band": size_band}).widening()
    chains += base.widening()
    return chains


def _verdict(percentile: Decimal, clamped_low: bool, clamped_high: bool) -> str:
    if clamped_low:
        return "Well below the market: lower than every published percentile for this role, level and place."
    if clamped_high:
        return "Well above the market: higher than every published percentile for this role, level and place."
    if percentile < 25:
        return "Below the market: three in four data points for this role, level and place pay more."
    if percentile < 50:
        return "Below the median: a fair offer with room to ask for more."
    if percentile <= 75:
        return "Above the median: a competitive offer."
    return "Strong: in the top quarter of the market for this role, level and place."


def _position(amount_usd: Decimal, values: dict, rate, currency: str) -> dict:
    curve = release_curve(values)
    low, high = curve[0][1], curve[-1][1]
    percentile = percentile_rank(amount_usd, curve).quantize(Decimal("0.1"))
    return {
        "annual_usd": money(amount_usd),
        "percentile": percentile,
        "percentile_clamped": amount_usd < low or amount_usd > high,
        "label": "below" if amount_usd < Decimal(values["p25"]) else "above" if amount_usd > Decimal(values["p75"])
        else "within",
        "market_usd": {"currency": "USD", "period": "YEAR", **{name: values.get(name) for name in PERCENTILES}},
        "market": {"currency": currency, "period": "YEAR",
                   **{name: None if values.get(name) is None else from_usd(Decimal(values[name]), rate)
                      for name in PERCENTILES}},
        "verdict": _verdict(percentile, amount_usd < low, amount_usd > high),
    }  # fmt: skip


def _provenance(stored: StoredRelease, values: dict) -> dict:
    return {
        "kind": "computed",
        "source": MARKET_SOURCE,
        "sources": stored.release.get("sources", []),
        "sample_size": values["sample_size"],
        "company_count": values.get("company_count"),
        "confidence": stored.release.get("confidence"),
        "as_of": stored.computed_at,
        "disclosure": DISCLOSURE_NOTE,
    }


def _counter(amount_usd: Decimal, values: dict, rate, currency: str) -> dict | None:
    p50, p75 = Decimal(values["p50"]), Decimal(values["p75"])
    if amount_usd > p75:
        return None
    low = max(amount_usd, p50)
    return {
        "low": from_usd(low, rate), "high": from_usd(p75, rate), "currency": currency, "period": "YEAR",
        "low_usd": money(low), "high_usd": money(p75),
        "evidence": f"The market's released median ({int(p50):,} USD) and p75 ({int(p75):,} USD) for this segment, "
                    f"from {values['sample_size']} data points.",
    }  # fmt: skip


def offer_evaluate(offer: Offer, *, today: date) -> dict:
    role, level, title_read = _role_and_level(offer)
    rate = rate_on(offer.currency, today)
    base_annual = annualise(offer.base_amount, offer.period)
    base_usd = to_usd(base_annual, rate)
    check_plausible_annual_usd(base_usd, field="base.amount")
    package_total = total_compensation(base=base_annual, package=offer.package)
    total_usd = to_usd(package_total.total, rate)
    check_plausible_annual_usd(total_usd, field="total")

    size_band = offer.company.size_band if offer.company is not None else offer.size_band
    chain = _chain(role, level, offer.country, offer.city, size_band)
    releases = stored_releases({s.key for s in chain})
    tried, base_market, total_market = [], None, None
    for segment in chain:
        stored = releases.get(segment.key)
        published = stored is not None and stored.published
        tried.append({"key": segment.key, "published": published,
                      "withheld_reason": None if published else (stored.withheld_reason if stored else "no data")})  # fmt: skip
        if published and base_market is None:
            base_market = (segment, stored)
        total = stored.release.get("total") if published and stored.total_published else None
        if total and total_market is None:
            total_market = (segment, stored, total)
        if base_market and total_market:
            break

    result = {
        "role_family": role,
        "level": level,
        "title_read": title_read,
        "offer": {
            "currency": offer.currency, "base_annual": money(base_annual), "base_annual_usd": money(base_usd),
            "bonus": package_total.bonus, "equity_per_year": package_total.equity_per_year,
            "sign_on_per_year": package_total.sign_on_per_year, "total": package_total.total,
            "total_usd": money(total_usd),
            "equity_unvalued_pct": list(package_total.equity_unvalued_pct) if package_total.equity_unvalued_pct
            else None,
            "exchange_rate": {"rate_to_usd": rate.rate_to_usd, "date": rate.date, "source": rate.source},
        },
        "segments_tried": tried,
        "base_pay": None,
        "total_compensation": None,
        "counter_offer": None,
        "benchmarks": benchmarks_beside({(role, level, offer.country)})[role, level, offer.country],
        "stored": False,
    }  # fmt: skip
    if base_market:
        segment, stored = base_market
        result["base_pay"] = {"segment": segment.key, **_position(base_usd, stored.release, rate, offer.currency),
                              "provenance": _provenance(stored, stored.release)}  # fmt: skip
        result["counter_offer"] = _counter(base_usd, stored.release, rate, offer.currency)
    if total_market:
        segment, stored, total = total_market
        result["total_compensation"] = {
            "segment": segment.key, **_position(total_usd, total, rate, offer.currency),
            "provenance": _provenance(stored, total),
        }  # fmt: skip
    result["counter_offer_note"] = COUNTER_NOTE
    return result
