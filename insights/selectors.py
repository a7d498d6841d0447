"""Reads of market ranges: their public releases, the salary context shown beside each posting, and history.

Every figure here is read from a stored release (insights.disclosure, decided when the range was computed):
no read aggregates postings or survey records, and none works out what the public may see.
"""

import math
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Q, QuerySet

from insights import lookups  # noqa: F401  (registers `__any_of`)
from insights.disclosure import PERCENTILES
from insights.models import InsightReport, MarketRange, MarketRangeSnapshot, SkillPremium
from insights.percentiles import percentile_rank
from insights.segments import Segment, country_segment
from salaries.money import BASE_CURRENCY, Rate, from_usd, latest_rates

# Short, since every context and range repeats them; the schema and the README say what they mean.
MARKET_SOURCE = "this board's market ranges: posted pay midpoints and survey records, annual USD"
DISCLOSURE_NOTE = "perturbed"  # insights.disclosure: cell-key noise on every figure, rounded to 100 USD
# What the release of a range needs: the key, the decision and the public figures, never the exact columns.
RELEASE_COLUMNS = ("key", "published", "withheld_reason", "total_published", "total_withheld_reason", "release",
                   "computed_at")  # fmt: skip


class StoredRelease(NamedTuple):
    """A range's stored release, read as a plain row (a list page reads a couple of hundred)."""

    key: str
    published: bool
    withheld_reason: str
    total_published: bool
    total_withheld_reason: str
    release: dict
    computed_at: object


def stored_releases(keys) -> dict[str, StoredRelease]:
    """The stored releases of these segments, by key: one indexed lookup."""
    if not keys:
        return {}
    rows = MarketRange.objects.filter(key__any_of=sorted(keys)).order_by().values_list(*RELEASE_COLUMNS)
    return {row[0]: StoredRelease(*row) for row in rows}


def market_ranges_list() -> QuerySet:
    return MarketRange.objects.order_by("role_family", "level", "scope", "place", "key")


def segment_info(segment: Segment) -> dict:
    """A segment's dimensions, named the same wherever a segment is shown (null: any)."""
    return _segment_info(segment.key)


@lru_cache(maxsize=20_000)
def _segment_info(key: str) -> dict:
    # Shared between responses: callers never change it.
    segment = Segment.from_key(key)
    return {
        "key": segment.key,
        "role_family": segment.role_family,
        "level": segment.level,
        "scope": segment.scope,
        "place": segment.place or None,
        "size_band": segment.size_band or None,
        "sector": segment.sector or None,
        "remote": segment.remote,
        "window": segment.window,
    }


def _figures(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {"currency": BASE_CURRENCY, "period": "YEAR", **{name: values.get(name) for name in PERCENTILES}}


def range_provenance(market_range: MarketRange) -> dict:
    release = market_range.release if market_range.published else {}
    return {
        "kind": "computed",
        "source": MARKET_SOURCE,
        "sources": release.get("sources", []),
        "sample_size": release.get("sample_size"),
        "company_count": release.get("company_count"),
        "as_of": market_range.computed_at,
        "disclosure": DISCLOSURE_NOTE,
    }


def range_public(market_range: MarketRange, *, wider_published: str | None = None) -> dict:
    """A range as the public sees it: its release, or why it is withheld and the nearest wider one that is not."""
    release = market_range.release if market_range.published else {}
    total = release.get("total") if market_range.total_published else None
    return {
        "segment": segment_info(Segment.from_key(market_range.key)),
        "published": market_range.published,
        "withheld_reason": market_range.withheld_reason or None,
        "wider_published": None if market_range.published else wider_published,
        "base_pay": _figures(release) if market_range.published else None,
        "total_compensation": _figures(total),
        "total_withheld_reason": None if total else (market_range.total_withheld_reason or None),
        "sample_size": release.get("sample_size"),
        "company_count": release.get("company_count"),
        "total_sample_size": total["sample_size"] if total else None,
        "confidence": release.get("confidence"),
        "as_of": market_range.computed_at,
        "provenance": range_provenance(market_range),
    }


EXACT_FIELDS = (
    "sample_size", "posting_count", "observation_count", "recent_count", "company_count", "top_company_share",
    "p10", "p25", "p50", "p75", "p90", "mean", "total_sample_size", "total_company_count",
    "total_top_company_share", "total_p10", "total_p25", "total_p50", "total_p75", "total_p90", "total_mean",
)  # fmt: skip


def range_exact(market_range: MarketRange) -> dict:
    """The exact figures behind a range, for moderators and admins only."""
    return {name: getattr(market_range, name) for name in EXACT_FIELDS}


def nearest_published_wider(ranges) -> dict[str, str | None]:
    """For each withheld range, the nearest wider segment (city → country → region → world) that is published:
    one indexed lookup of stored decisions, whatever the number of ranges."""
    chains = {r.key: [s.key for s in Segment.from_key(r.key).widening()[1:]] for r in ranges if not r.published}
    wanted = {key for chain in chains.values() for key in chain}
    published = (
        set(MarketRange.objects.filter(key__in=wanted, published=True).values_list("key", flat=True))
        if wanted
        else set()
    )
    return {key: next((k for k in chain if k in published), None) for key, chain in chains.items()}


@lru_cache(maxsize=20_000)
def _chains(role_family, level, country, size_band, sector) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The context chain's keys, and each peer chain's (the same places, one size band or one sector)."""
    chain = country_segment(role_family, level, country).widening()
    peers = {}
    if size_band:
        peers["size_band"] = tuple(Segment(**{**s.__dict__, "size_band": size_band}).key for s in chain)
    if sector:
        peers["sector"] = tuple(Segment(**{**s.__dict__, "sector": sector}).key for s in chain)
    return tuple(s.key for s in chain), peers


def release_curve(values: dict) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(name[1:]), Decimal(values[name])) for name in PERCENTILES if values.get(name) is not None]


def _position(amount_usd: Decimal, values: dict) -> dict:
    """Where an amount sits on a released curve: its percentile by interpolation, and below/within/above p25–p75."""
    curve = release_curve(values)
    low, high = curve[0][1], curve[-1][1]
    if amount_usd < Decimal(values["p25"]):
        label = "below"
    elif amount_usd > Decimal(values["p75"]):
        label = "above"
    else:
        label = "within"
    return {
        "midpoint_annual_usd": amount_usd,
        "midpoint_percentile": percentile_rank(amount_usd, curve).quantize(Decimal("0.1")),
        # Outside the outermost published percentile the estimate is clamped.
        "percentile_clamped": amount_usd < low or amount_usd > high,
        "label": label,
    }


def _in_currency(values: dict, rate: Rate | None, currency: str) -> dict | None:
    if rate is None:
        return None
    return {
        "currency": currency,
        "period": "YEAR",
        **{name: None if values.get(name) is None else from_usd(Decimal(values[name]), rate) for name in PERCENTILES},
        "exchange_rate": {"rate_to_usd": rate.rate_to_usd, "date": rate.date, "source": rate.source},
    }


def _first_published(chain: tuple[str, ...], ranges: dict) -> StoredRelease | None:
    candidates = [ranges.get(key) for key in chain]
    return next((r for r in candidates if r is not None and r.published), None)


def _range_summary(posting, usable: StoredRelease, summaries: dict) -> dict:
    """A published range as a posting's context shows it: the released percentiles and where the posting sits.
    The range's own part is built once per request (`summaries`), however many postings show it."""
    shared = summaries.get(usable.key)
    if shared is None:
        release = usable.release
        shared = summaries[usable.key] = {
            "segment": _segment_info(usable.key),
            "market_usd": _figures(release),
            "sample_size": release["sample_size"],
            "company_count": release["company_count"],
            "confidence": release["confidence"],
            "as_of": usable.computed_at,
            "provenance": range_provenance(usable),
        }
    position = None if posting.salary_mid_usd is None else _position(posting.salary_mid_usd, usable.release)
    return {**shared, "position": position}


def _total_context(posting, market_range: StoredRelease) -> dict | None:
    """Total compensation beside base pay, when its own sample (postings) is published."""
    total = market_range.release.get("total") if market_range.total_published else None
    if not total or posting.total_comp_mid_usd is None:
        return None
    return {
        **_figures(total),
        "sample_size": total["sample_size"],
        "posting_total_annual_usd": posting.total_comp_mid_usd,
        "posting_percentile": percentile_rank(posting.total_comp_mid_usd, release_curve(total)).quantize(
            Decimal("0.1")
        ),
    }


INSUFFICIENT_MESSAGE = (
    "Not enough data for this role, level and place: a market range needs at least 5 data points from at least "
    "3 contributors, none supplying more than half."
)


# What a posting's context places on its market, by its pay kind (an estimate is placed, and said to be one).
COMPARED = {"employer": "employer_pay", "estimate": "estimate", "none": "nothing"}


def _context(posting, company, ranges, rate: Rate | None, requested: Rate | None, summaries: dict, peers: bool):
    chain, peer_chains = _chains(posting.role_family, posting.level, posting.country, company.size_band, company.sector)
    if not peers:
        peer_chains = {}
    usable = _first_published(chain, ranges)
    compared = COMPARED.get(posting.pay_kind, "employer_pay")
    if usable is None:
        own = ranges.get(chain[0])
        return {
            "status": "insufficient_data",
            "compared": compared,
            "message": INSUFFICIENT_MESSAGE,
            "segment": _segment_info(chain[0]),
            "withheld_reason": own.withheld_reason if own else "no data",
            "as_of": own.computed_at if own else None,
        }
    peers_of = {}
    for name, peer_chain in peer_chains.items():
        peer = _first_published(peer_chain, ranges)
        peers_of[name] = (
            {"status": "ok", **_range_summary(posting, peer, summaries)}
            if peer
            else {"status": "insufficient_data", "segment": _segment_info(peer_chain[0])}
        )
    return {
        "status": "ok",
        "compared": compared,
        **_range_summary(posting, usable, summaries),
        "market": _in_currency(usable.release, rate, posting.salary_currency),
        **({"market_requested": _in_currency(usable.release, requested, requested.currency)} if requested else {}),
        "total_compensation": _total_context(posting, usable),
        **({"peers": peers_of} if peers else {}),
    }


def context_keys_of(*, role_family, level, country, size_band, sector) -> set[str]:
    """Every segment one posting's context and peers can read (for its page's validators)."""
    chain, peer_chains = _chains(role_family, level, country, size_band, sector)
    return {*chain, *(key for keys in peer_chains.values() for key in keys)}


def context_keys(postings, companies, *, peers: bool = True) -> set[str]:
    keys = set()
    for posting in postings:
        company = companies[posting.company_id]
        chain, peer_chains = _chains(
            posting.role_family, posting.level, posting.country, company.size_band, company.sector
        )
        keys.update(chain, *(peer_chains.values() if peers else ()))
    return keys


def salary_contexts_for(
    *, postings: list, today: date, requested: Rate | None = None, companies=None, peers: bool = True
) -> dict[int, dict]:
    """The salary context of each posting, in two queries whatever the number of postings: the stored releases
    of every segment their contexts can look at, and the exchange rates.

    Uses the posting's country segment when it is published, else its region's, else the world's; with
    `peers`, beside it the same for companies of the poster's size band and of its sector. With a requested
    currency, the market figures are given in it too.
    """
    companies = companies or {p.company_id: p.company for p in postings}
    ranges = stored_releases(context_keys(postings, companies, peers=peers))
    rates = latest_rates({p.salary_currency for p in postings if p.salary_currency}, today) if postings else {}
    summaries: dict = {}
    return {
        p.pk: _context(p, companies[p.company_id], ranges, rates.get(p.salary_currency), requested, summaries, peers)
        for p in postings
    }


def market_range_history(*, key: str) -> list[dict]:
    """The range's release day by day: what the public saw each day, from the daily snapshots."""
    return [
        {
            "day": snapshot.day,
            "base_pay": _figures(snapshot.release),
            "sample_size": snapshot.release.get("sample_size"),
            "company_count": snapshot.release.get("company_count"),
            "total_compensation": _figures(snapshot.release.get("total")),
            "confidence": snapshot.release.get("confidence"),
            "provenance": {
                "kind": "computed",
                "source": MARKET_SOURCE,
                "sources": snapshot.release.get("sources", []),
                "sample_size": snapshot.release.get("sample_size"),
                "as_of": snapshot.computed_at,
                "disclosure": DISCLOSURE_NOTE,
            },
        }
        for snapshot in MarketRangeSnapshot.objects.filter(key=key).order_by("day")
    ]


def reports_visible_to(user):
    """The reports a user may read: their own, every public one, and all of them for admins."""
    from jobs.services import user_is_moderator  # jobs imports this module

    reports = InsightReport.objects.all()
    if user_is_moderator(user):
        return reports
    if user is not None and user.is_authenticated:
        return reports.filter(Q(owner=user) | Q(is_public=True))
    return reports.filter(is_public=True)


LEADERBOARD_LIMIT = 50


def leaderboard(*, by: str, role_family: str, level: str, window: str) -> list[dict]:
    """Where pay is highest: the published cities, countries or sectors (worldwide) of a role and level, by their
    released median, highest first. One indexed query of stored releases; withheld segments are not ranked."""
    filters = {"city": {"scope": "city"}, "country": {"scope": "country", "sector": ""},
               "sector": {"scope": "world", "sector__gt": ""}}[by]  # fmt: skip
    rows = (
        MarketRange.objects.filter(role_family=role_family, level=level, size_band="", remote=False, window=window,
                                   published=True, **filters)
        .order_by()
        .values_list(*RELEASE_COLUMNS)
    )  # fmt: skip
    ranked = sorted((StoredRelease(*row) for row in rows), key=lambda r: (-r.release["p50"], r.key))
    return [
        {
            "rank": index,
            "segment": _segment_info(stored.key),
            "median_usd": stored.release["p50"],
            "p25_usd": stored.release["p25"],
            "p75_usd": stored.release["p75"],
            "sample_size": stored.release["sample_size"],
            "company_count": stored.release["company_count"],
            "confidence": stored.release["confidence"],
            "provenance": range_provenance(stored),
        }
        for index, stored in enumerate(ranked[:LEADERBOARD_LIMIT], start=1)
    ]


NOISE_RULE = (
    "Compared like for like, country by country, and weighted by the released sample sizes. Within noise when "
    "the premium is smaller than its uncertainty: each released median's notch, 1.57 × (p75 − p25) / √n (a "
    "notched box plot's), plus the most the disclosure noise can move it, combined over the countries."
)


def _side(published: bool, reason: str, release: dict) -> dict:
    if not published:
        return {"published": False, "withheld_reason": reason, "p25": None, "p50": None, "p75": None,
                "sample_size": None, "company_count": None}  # fmt: skip
    return {"published": True, "withheld_reason": None, **{k: release.get(k) for k in ("p25", "p50", "p75")},
            "sample_size": release["sample_size"], "company_count": release["company_count"]}  # fmt: skip


def skill_premiums(*, role_family: str, level: str) -> list[dict]:
    """Released pay with and without each skill for a role and level, country by country, and the premium over
    the countries where both sides are published, largest first: one indexed lookup of the stored table, then
    arithmetic on released figures."""
    from insights.services.skill_premiums import half_width
    from salaries.skills import SKILLS

    by_skill: dict[str, list] = {}
    for row in SkillPremium.objects.filter(role_family=role_family, level=level).order_by("skill", "country"):
        by_skill.setdefault(row.skill, []).append(row)
    results = []
    for skill, rows in by_skill.items():
        countries, weighted, weights, variance = [], 0.0, 0, 0.0
        for row in rows:
            if row.premium_pct is None:
                continue
            w, wo = row.with_release, row.without_release
            size = w["sample_size"] + wo["sample_size"]
            relative = (half_width(w) / w["p50"] + half_width(wo) / wo["p50"]) * 100  # the premium's ± in points
            weighted += float(row.premium_pct) * size
            weights += size
            variance += (size * relative) ** 2
            countries.append({"country": row.country, "premium_pct": row.premium_pct, "within_noise": row.within_noise,
                              "with_skill": _side(True, "", w), "without_skill": _side(True, "", wo)})  # fmt: skip
        premium = round(weighted / weights, 1) if weights else None
        uncertainty = round(math.sqrt(variance) / weights, 1) if weights else None
        published_with = [r for r in rows if r.with_published]
        results.append({
            "skill": skill,
            "label": SKILLS.get(skill, (skill,))[0],
            "premium_pct": premium,
            "uncertainty_pct": uncertainty,
            "within_noise": None if premium is None else abs(premium) <= uncertainty,
            "countries_compared": len(countries),
            "with_skill_sample_size": sum(c["with_skill"]["sample_size"] for c in countries) or None,
            "without_skill_sample_size": sum(c["without_skill"]["sample_size"] for c in countries) or None,
            "withheld_reason": None if countries else (
                "no country has enough data both with and without this skill" if published_with or rows
                else "no data"),
            "countries": countries,
            "provenance": {"kind": "computed", "source": MARKET_SOURCE + "; skills read from postings and titles",
                           "as_of": rows[0].computed_at, "disclosure": DISCLOSURE_NOTE},
        })  # fmt: skip
    return sorted(results, key=lambda r: (r["premium_pct"] is None, -(r["premium_pct"] or 0), r["skill"]))
