"""What each kind of insight report asks for and what it says, built from stored market-range releases only.

Every report is post-processing of public figures (insights.disclosure): a released range's perturbed
percentiles and counts, or, for a withheld range, the reason and the nearest wider published segment. So no
report, and no combination of reports with anything else public, can show more than the releases show. The
two kinds about companies add figures that are public on the board already: the pay each company posts on
its visible postings (`company_comparison`), and, for an employer's own members only, the employer's own
postings whatever their status (`employer_postings`).

A kind is parameters (`clean`), the data it reads (`inputs`: segment keys, and companies whose postings it
reads), and the report itself (`build`). What the inputs were when a report was built is its fingerprint
(`fingerprint`): a few indexed lookups, compared when the same report is asked for again.
"""

import hashlib
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pycountry
from django.db.models import Count, Max, Q
from django.utils import timezone

from config.errors import DomainError, NotPermitted
from insights.disclosure import PERCENTILES, RULE_VERSION
from insights.models import MarketRange, MarketRangeSnapshot, ReportKind, SkillPremium
from insights.regions import REGION_NAMES
from insights.segments import CITY, COUNTRY, REGION, WINDOW_12M, WINDOW_ALL, WORLD, Segment, city_place
from insights.selectors import MARKET_SOURCE, StoredRelease, nearest_published_wider, stored_releases
from salaries.taxonomy import LEVEL_ORDER, Level, RoleFamily, SizeBand

# Bump when what a report contains changes: reports built by an older version are not reused.
REPORT_VERSION = 1
LADDER = [*LEVEL_ORDER[:5], Level.LEAD, *LEVEL_ORDER[5:]]  # lead/manager beside staff and principal
MAX_COMPANIES = 5
# Startup equity scenarios: what the grant is worth at exit, as a multiple of the valuation it was granted at.
EQUITY_OUTCOMES = {"worthless": Decimal(0), "last_valuation": Decimal(1), "three_times": Decimal(3)}
DEFAULT_EQUITY_PCT = Decimal("0.5")  # the seeds: startup offers of 0.1–2%
DEFAULT_VALUATION_USD = Decimal(50_000_000)
VESTING_YEARS = 4


class ReportInputError(DomainError):
    code = "invalid_parameter"


@dataclass(frozen=True)
class Place:
    scope: str
    place: str  # as segments key it: "US.seattle", "US", "europe", ""

    @property
    def label(self) -> str:
        if self.scope == WORLD:
            return "Worldwide"
        if self.scope == REGION:
            return REGION_NAMES[self.place]
        country, _, city = self.place.partition(".")
        name = getattr(pycountry.countries.get(alpha_2=country), "name", country)
        return f"{city.replace('-', ' ').title()}, {name}" if city else name

    @property
    def parameter(self) -> str:
        return self.place or WORLD


def parse_place(raw) -> Place:
    """`world`, a region (`europe`), an ISO 3166-1 alpha-2 country (`DE`) or a country and city (`US.seattle`)."""
    value = str(raw or WORLD).strip()
    if value.lower() == WORLD:
        return Place(WORLD, "")
    if value.lower() in REGION_NAMES:
        return Place(REGION, value.lower())
    country, dot, city = value.partition(".")
    if len(country) != 2 or pycountry.countries.get(alpha_2=country.upper()) is None:
        raise ReportInputError(
            "A place is `world`, a region (" + ", ".join(REGION_NAMES) + "), an ISO 3166-1 alpha-2 country code "
            "or a country and city such as `US.seattle`.", field="parameters.place",
        )  # fmt: skip
    if dot:
        place = city_place(country, city)
        if not place:
            raise ReportInputError("No city after the country code.", field="parameters.place")
        return Place(CITY, place)
    return Place(COUNTRY, country.upper())


def _choice(parameters: dict, name: str, choices, *, default=None):
    value = parameters.get(name, default)
    if value is None:
        raise ReportInputError("This parameter is required.", field=f"parameters.{name}", code="required")
    if value not in choices:
        raise ReportInputError(
            f"Not one of: {', '.join(map(str, choices))}.", field=f"parameters.{name}", code="invalid_choice"
        )
    return value


def _decimal(parameters: dict, name: str, default: Decimal, *, low: Decimal, high: Decimal) -> Decimal:
    raw = parameters.get(name, default)
    try:
        value = Decimal(str(raw))
    except (ArithmeticError, ValueError):
        raise ReportInputError("Not a number.", field=f"parameters.{name}") from None
    if not value.is_finite() or not low <= value <= high:
        raise ReportInputError(f"A number from {low} to {high}.", field=f"parameters.{name}")
    return value


@dataclass
class Inputs:
    """What a report reads: segment keys (their stored releases and snapshots) and companies' postings."""

    keys: set[str] = field(default_factory=set)
    company_ids: set[int] = field(default_factory=set)


def _segment(role: str, level: str, place: Place, window: str, **dimensions) -> Segment:
    return Segment(role, level, place.scope, place.place, window=window, **dimensions)


# --- parameters --------------------------------------------------------------------------------------------------


def clean(kind: str, parameters, *, user) -> dict:
    """A kind's parameters normalised (defaults filled, names canonical), or ReportInputError naming the field."""
    from jobs.models import Company
    from jobs.services import user_is_member, user_is_moderator

    if not isinstance(parameters, dict):
        raise ReportInputError("An object of the report's parameters.", field="parameters")
    known = KNOWN_PARAMETERS[kind]
    if unknown := sorted(set(parameters) - known):
        raise ReportInputError(
            f"Not a parameter of this report: {', '.join(unknown)} (known: {', '.join(sorted(known))}).",
            field=f"parameters.{unknown[0]}", code="unknown_parameter",
        )  # fmt: skip
    cleaned: dict = {}
    if "role" in known:
        optional = kind in (ReportKind.COMPANY_COMPARISON, ReportKind.EMPLOYER_POSTINGS)
        if not (optional and parameters.get("role") in (None, "")):
            cleaned["role"] = _choice(parameters, "role", RoleFamily.values)
    if "place" in known:
        cleaned["place"] = parse_place(parameters.get("place")).parameter
    if "window" in known:
        default = WINDOW_ALL if kind == ReportKind.STARTUP_VS_BIGTECH else WINDOW_12M
        cleaned["window"] = _choice(parameters, "window", [WINDOW_12M, WINDOW_ALL], default=default)
    if kind == ReportKind.SKILL_PREMIUMS:
        cleaned["level"] = _choice(parameters, "level", Level.values)
    if kind == ReportKind.STARTUP_VS_BIGTECH:
        cleaned["equity_pct"] = str(_decimal(parameters, "equity_pct", DEFAULT_EQUITY_PCT, low=Decimal(0),
                                             high=Decimal(10)))  # fmt: skip
        cleaned["valuation_usd"] = str(_decimal(parameters, "valuation_usd", DEFAULT_VALUATION_USD,
                                                low=Decimal(1_000_000), high=Decimal(10**12)))  # fmt: skip
    if kind == ReportKind.COMPANY_COMPARISON:
        slugs = parameters.get("companies")
        if (
            not isinstance(slugs, list)
            or not 2 <= len(slugs) <= MAX_COMPANIES
            or not all(isinstance(s, str) for s in slugs)
        ):
            raise ReportInputError(f"A list of 2 to {MAX_COMPANIES} company slugs.", field="parameters.companies")
        slugs = sorted(set(slugs))
        found = set(Company.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if missing := [s for s in slugs if s not in found]:
            raise ReportInputError(f"No such company: {missing[0]}.", field="parameters.companies", code="not_found")
        cleaned["companies"] = slugs
    if kind == ReportKind.EMPLOYER_POSTINGS:
        slug = parameters.get("company")
        company = Company.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        if company is None:
            raise ReportInputError("No such company.", field="parameters.company", code="not_found")
        if not (user_is_member(user, company.pk) or user_is_moderator(user)):
            raise NotPermitted("Only the company's members may ask for a report on its postings.",
                               field="parameters.company")  # fmt: skip
        cleaned["company"] = company.slug
    return cleaned


KNOWN_PARAMETERS = {
    ReportKind.MARKET_OVERVIEW: {"role", "place", "window"},
    ReportKind.LEVEL_LADDER: {"role", "place", "window"},
    ReportKind.STARTUP_VS_BIGTECH: {"role", "place", "window", "equity_pct", "valuation_usd"},
    ReportKind.SKILL_PREMIUMS: {"role", "level"},
    ReportKind.COMPANY_COMPARISON: {"companies", "role"},
    ReportKind.EMPLOYER_POSTINGS: {"company", "role"},
}


def parameters_key(kind: str, parameters: dict) -> str:
    canonical = json.dumps({"kind": kind, **parameters}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- inputs and fingerprints -------------------------------------------------------------------------------------


def _levels_keys(role: str, place: Place, window: str, levels=LADDER, **dimensions) -> dict[str, str]:
    return {level: _segment(role, level, place, window, **dimensions).key for level in levels}


def _wider_keys(keys) -> set[str]:
    return {s.key for key in keys for s in Segment.from_key(key).widening()}


def inputs(kind: str, parameters: dict) -> Inputs:
    from jobs.models import Company

    found = Inputs()
    if kind == ReportKind.SKILL_PREMIUMS:
        return found  # the skill-premium table, fingerprinted by its as-of time
    if kind in (ReportKind.MARKET_OVERVIEW, ReportKind.LEVEL_LADDER, ReportKind.STARTUP_VS_BIGTECH):
        place, role, window = parse_place(parameters["place"]), parameters["role"], parameters["window"]
        bands = [""] if kind == ReportKind.LEVEL_LADDER else ["", *SizeBand.values]
        for band in bands:
            found.keys |= _wider_keys(_levels_keys(role, place, window, size_band=band).values())
    else:
        slugs = parameters["companies"] if kind == ReportKind.COMPANY_COMPARISON else [parameters["company"]]
        found.company_ids = set(Company.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    return found


def fingerprint(kind: str, parameters: dict) -> tuple[str, datetime | None]:
    """The state of a report's inputs: its digest, and the newest input's as-of time. Indexed lookups only: the
    ranges by key (their count and newest computed_at), the newest snapshot day among them, and the newest
    change to the companies and postings read. Any recompute of a range the report reads moves it."""
    from jobs.models import Company, JobPosting

    needed = inputs(kind, parameters)
    parts: list = [REPORT_VERSION, RULE_VERSION, kind, parameters]
    as_of = None
    if needed.keys:
        ranges = MarketRange.objects.filter(key__any_of=sorted(needed.keys)).aggregate(
            n=Count("pk"), newest=Max("computed_at")
        )
        day = MarketRangeSnapshot.objects.filter(key__any_of=sorted(needed.keys)).aggregate(day=Max("day"))["day"]
        parts += [ranges["n"], ranges["newest"], day]
        as_of = ranges["newest"]
    if kind == ReportKind.SKILL_PREMIUMS:
        table = SkillPremium.objects.filter(role_family=parameters["role"], level=parameters["level"]).aggregate(
            n=Count("pk"), newest=Max("computed_at")
        )
        parts += [table["n"], table["newest"]]
        as_of = table["newest"]
    if needed.company_ids:
        ids = sorted(needed.company_ids)
        posting = JobPosting.objects.filter(company_id__in=ids).aggregate(n=Count("pk"), newest=Max("updated_at"))
        company = Company.objects.filter(pk__in=ids).aggregate(newest=Max("updated_at"))["newest"]
        ranges = MarketRange.objects.aggregate(newest=Max("computed_at"))["newest"]  # the contexts' releases
        parts += [posting["n"], posting["newest"], company, ranges]
        as_of = max((t for t in (posting["newest"], company, ranges) if t), default=None)
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()
    return digest, as_of


# --- building ----------------------------------------------------------------------------------------------------

Progress = Callable[[int], None]


def _money(value) -> int | None:
    return None if value is None else int(value)


def _release_row(key: str, releases: dict[str, StoredRelease], wider: dict[str, str | None]) -> dict:
    """A range's public figures as one row of a report: percentiles, counts, confidence and provenance, or why it
    is withheld and the nearest wider segment that is published."""
    stored = releases.get(key)
    if stored is None or not stored.published:
        return {
            "key": key,
            "published": False,
            "withheld_reason": stored.withheld_reason if stored else "no data",
            "wider_published": wider.get(key) if stored else None,
            **dict.fromkeys(PERCENTILES),
            "sample_size": None,
            "company_count": None,
            "confidence": None,
            "total_p50": None,
            "total_sample_size": None,
            "as_of": stored.computed_at.isoformat() if stored else None,
            "sources": [],
        }
    release = stored.release
    total = release.get("total") if stored.total_published else None
    return {
        "key": key,
        "published": True,
        "withheld_reason": None,
        "wider_published": None,
        **{name: release.get(name) for name in PERCENTILES},
        "sample_size": release["sample_size"],
        "company_count": release["company_count"],
        "confidence": release["confidence"],
        "total_p50": total["p50"] if total else None,
        "total_sample_size": total["sample_size"] if total else None,
        "as_of": stored.computed_at.isoformat(),
        "sources": release.get("sources", []),
    }


def _releases(keys) -> tuple[dict[str, StoredRelease], dict[str, str | None]]:
    releases = stored_releases(_wider_keys(keys))
    wider = nearest_published_wider([releases[k] for k in keys if k in releases])
    return releases, wider


def _level_rows(role, place, window, releases, wider, *, levels=LADDER, **dimensions) -> list[dict]:
    keys = _levels_keys(role, place, window, levels=levels, **dimensions)
    return [{"level": level, "level_label": Level(level).label, **_release_row(key, releases, wider)}
            for level, key in keys.items()]  # fmt: skip


def _history(keys: dict[str, str]) -> list[dict]:
    """Each level's released median day by day (the daily snapshots: what the public saw each day)."""
    by_key = {key: level for level, key in keys.items()}
    rows = MarketRangeSnapshot.objects.filter(key__any_of=sorted(by_key)).order_by("key", "day")
    return [
        {"level": by_key[s.key], "day": s.day.isoformat(), "p50": s.release.get("p50"),
         "sample_size": s.release.get("sample_size")}
        for s in rows.only("key", "day", "release")
    ]  # fmt: skip


def _provenance(rows: list[dict], *, note: str = "") -> dict:
    published = [r for r in rows if r.get("published")]
    return {
        "kind": "computed",
        "source": MARKET_SOURCE,
        "sources": sorted({s for r in published for s in r.get("sources", [])}),
        "ranges_published": len(published),
        "ranges_withheld": len(rows) - len(published),
        "as_of": max((r["as_of"] for r in rows if r.get("as_of")), default=None),
        "disclosure": "released figures only: perturbed percentiles and counts (insights.disclosure)",
        **({"note": note} if note else {}),
    }


def _title(kind: str, parameters: dict, place: Place | None = None) -> str:
    role = RoleFamily(parameters["role"]).label if parameters.get("role") else "All roles"
    if kind == ReportKind.MARKET_OVERVIEW:
        return f"Market overview: {role}, {place.label}"
    if kind == ReportKind.LEVEL_LADDER:
        return f"Level ladder: {role}, {place.label}"
    if kind == ReportKind.STARTUP_VS_BIGTECH:
        return f"Startups against large companies: {role}, {place.label}"
    if kind == ReportKind.SKILL_PREMIUMS:
        return f"Skill premiums: {role}, {Level(parameters['level']).label}, worldwide"
    if kind == ReportKind.COMPANY_COMPARISON:
        return f"Companies compared: {', '.join(parameters['companies'])}"
    return f"{parameters['company']}: postings against the market"


def build_market_overview(parameters: dict, progress: Progress) -> dict:
    role, place, window = parameters["role"], parse_place(parameters["place"]), parameters["window"]
    keys = _levels_keys(role, place, window)
    band_keys = {band: _levels_keys(role, place, window, size_band=band) for band in SizeBand.values}
    releases, wider = _releases([*keys.values(), *(k for ks in band_keys.values() for k in ks.values())])
    progress(40)
    levels = _level_rows(role, place, window, releases, wider)
    sizes = [
        {"level": level, "level_label": Level(level).label, "size_band": band, "size_band_label": SizeBand(band).label,
         **_release_row(band_keys[band][level], releases, wider)}
        for level in LADDER for band in SizeBand.values
    ]  # fmt: skip
    progress(70)
    history = _history(keys)
    published = [row for row in levels if row["published"]]
    summary = (
        f"{len(published)} of {len(levels)} levels have enough data to publish"
        + (f"; the median base pay runs from {_usd(min(r['p50'] for r in published))} to "
           f"{_usd(max(r['p50'] for r in published))}." if published else ".")
    )  # fmt: skip
    return {
        "title": _title(ReportKind.MARKET_OVERVIEW, parameters, place),
        "summary": summary,
        "sections": [
            {"id": "levels", "title": "Base pay by level (annual USD)", "chart": "levels", "rows": levels,
             "provenance": _provenance(levels)},
            {"id": "sizes", "title": "Median base pay by company size", "chart": "sizes", "rows": sizes,
             "provenance": _provenance(sizes)},
            {"id": "history", "title": "Median base pay over time", "chart": "history", "rows": history,
             "provenance": {"kind": "computed", "source": "daily snapshots of the released ranges",
                            "points": len(history)}},
        ],
    }  # fmt: skip


def build_level_ladder(parameters: dict, progress: Progress) -> dict:
    role, place, window = parameters["role"], parse_place(parameters["place"]), parameters["window"]
    keys = _levels_keys(role, place, window)
    releases, wider = _releases(list(keys.values()))
    progress(50)
    rows, previous = [], None
    for row in _level_rows(role, place, window, releases, wider):
        step = None
        if row["published"] and previous is not None and row["level"] != Level.LEAD:
            step = round((row["p50"] / previous["p50"] - 1) * 100, 1)
        rows.append({**row, "step_from_previous_pct": step,
                     "previous_level": previous["level"] if step is not None else None})  # fmt: skip
        if row["published"] and row["level"] != Level.LEAD:
            previous = row
    return {
        "title": _title(ReportKind.LEVEL_LADDER, parameters, place),
        "summary": "Each level's released median against the nearest lower published level's (lead / manager "
                   "stands beside staff and principal and is not a step of the ladder).",
        "sections": [{"id": "levels", "title": "Base pay by level (annual USD)", "chart": "levels", "rows": rows,
                      "provenance": _provenance(rows)}],
    }  # fmt: skip


def _equity_benchmarks(role: str) -> dict[str, dict]:
    """Curated startup equity grants by level (the seed articles' tables), with their sources."""
    from salaries.models import SalaryBenchmark

    grants: dict[str, dict] = {}
    rows = SalaryBenchmark.objects.filter(equity_pct_min__isnull=False).filter(Q(role_family=role) | Q(role_family=""))
    for b in rows.select_related("release__source").order_by("level", "key"):
        grant = grants.setdefault(b.level or "any", {"low_pct": b.equity_pct_min, "high_pct": b.equity_pct_max,
                                                     "sources": set()})  # fmt: skip
        grant["low_pct"] = min(grant["low_pct"], b.equity_pct_min)
        grant["high_pct"] = max(grant["high_pct"], b.equity_pct_max or b.equity_pct_min)
        grant["sources"].add(b.release.source.title)
    return {level: {"low_pct": str(g["low_pct"]), "high_pct": str(g["high_pct"]), "sources": sorted(g["sources"])}
            for level, g in grants.items()}  # fmt: skip


def build_startup_vs_bigtech(parameters: dict, progress: Progress) -> dict:
    role, place, window = parameters["role"], parse_place(parameters["place"]), parameters["window"]
    equity_pct, valuation = Decimal(parameters["equity_pct"]), Decimal(parameters["valuation_usd"])
    sides = {"startup": SizeBand.STARTUP, "large": SizeBand.LARGE}
    keys = {name: _levels_keys(role, place, window, size_band=band) for name, band in sides.items()}
    releases, wider = _releases([k for ks in keys.values() for k in ks.values()])
    progress(50)
    equity = _equity_benchmarks(role)
    yearly_equity = equity_pct / 100 * valuation / VESTING_YEARS
    rows, weighted, weights = [], Decimal(0), 0
    for level in LADDER:
        startup = _release_row(keys["startup"][level], releases, wider)
        large = _release_row(keys["large"][level], releases, wider)
        counted = startup["published"] and large["published"]
        gap = round((1 - startup["p50"] / large["p50"]) * 100, 1) if counted else None
        if counted:
            size = startup["sample_size"] + large["sample_size"]
            weighted += Decimal(str(gap)) * size
            weights += size
        scenarios = None
        if startup["published"]:
            scenarios = {name: _money(Decimal(startup["p50"]) + yearly_equity * multiple)
                         for name, multiple in EQUITY_OUTCOMES.items()}  # fmt: skip
        rows.append({
            "level": level, "level_label": Level(level).label, "startup": startup, "large": large,
            "cash_gap_pct": gap, "counted": counted, "startup_total_by_outcome": scenarios,
            "large_total_p50": large["total_p50"], "equity_benchmark": equity.get(level) or equity.get("any"),
        })  # fmt: skip
    overall = float(round(weighted / weights, 1)) if weights else None
    flat = [r[side] for r in rows for side in ("startup", "large")]
    return {
        "title": _title(ReportKind.STARTUP_VS_BIGTECH, parameters, place),
        "summary": (
            f"Startups' released median base pay is {overall}% below large companies' (weighted by the released "
            f"sample sizes of {sum(r['counted'] for r in rows)} levels, {weights} data points); the seed "
            "articles claim 30–40%." if overall is not None else
            "Not enough published data on both sides of any level to compare startups with large companies."
        ),
        "overall_cash_gap_pct": overall,
        "overall_sample_size": weights,
        "assumptions": {
            "equity_pct": str(equity_pct), "valuation_usd": str(valuation), "vesting_years": VESTING_YEARS,
            "yearly_equity_at_last_valuation_usd": _money(yearly_equity),
            "outcomes": {name: f"{multiple}× the valuation at grant" for name, multiple in EQUITY_OUTCOMES.items()},
            "note": "Startup total = released median base pay + a yearly share of the grant (the grant over "
                    f"{VESTING_YEARS} years of vesting) at each outcome; no bonus, dilution or tax. Large "
                    "companies' total is the released median of posted total compensation (base, bonus, RSUs).",
        },
        "sections": [{"id": "sides", "title": "Median base pay: startups against large companies (annual USD)",
                      "chart": "sides", "rows": rows, "provenance": _provenance(flat)}],
    }  # fmt: skip


def _usd(value) -> str:
    return f"{int(value):,} USD"


def _company_postings(company_ids, *, role: str | None, visible_only: bool):
    from jobs.models import JobPosting

    postings = JobPosting.objects.filter(company_id__in=company_ids).select_related("company")
    postings = postings.visible(timezone.now()) if visible_only else postings
    if role:
        postings = postings.filter(role_family=role)
    return list(postings.order_by("company__name", "level", "id"))


def build_company_comparison(parameters: dict, progress: Progress) -> dict:
    """Each company's visible postings by level: how many, the median of the pay they post (each posting's pay
    is public on the board), and where they sit against the market (their salary contexts). No figure of a
    company's closed postings or of survey data: those reach the public only through the market ranges."""
    from insights.selectors import salary_contexts_for
    from jobs.models import Company, PayKind

    companies = list(Company.objects.filter(slug__in=parameters["companies"]).order_by("name"))
    postings = _company_postings([c.pk for c in companies], role=parameters.get("role"), visible_only=True)
    progress(40)
    contexts = salary_contexts_for(postings=postings, today=timezone.now().date(), peers=False)
    progress(70)
    rows = []
    for company in companies:
        for level in LADDER:
            mine = [p for p in postings if p.company_id == company.pk and p.level == level]
            if not mine:
                continue
            paid = [p for p in mine if p.pay_kind == PayKind.EMPLOYER]  # an estimate is not what they post
            placed = [contexts[p.pk] for p in paid if contexts[p.pk]["status"] == "ok"]
            rows.append({
                "company": company.slug, "company_name": company.name, "size_band": company.size_band,
                "level": level, "level_label": Level(level).label, "postings": len(mine),
                "posted_midpoint_median_usd": (
                    _money(statistics.median(p.salary_mid_usd for p in paid)) if paid else None
                ),
                "postings_with_pay": len(paid),
                "market_percentile_median": (
                    float(statistics.median(c["position"]["midpoint_percentile"] for c in placed)) if placed else None
                ),
                "compared_postings": len(placed),
            })  # fmt: skip
    return {
        "title": _title(ReportKind.COMPANY_COMPARISON, parameters),
        "summary": "Each company's open postings by level: the median of the pay they post, and the median of "
                   "their percentiles in their market segments.",
        "sections": [{"id": "companies", "title": "Open postings by company and level", "chart": "companies",
                      "rows": rows, "provenance": {
                          "kind": "employer_posted", "source": "the companies' visible postings on this board",
                          "sample_size": len(postings), "as_of": timezone.now().isoformat(),
                          "note": "percentiles against the released market ranges (salary contexts)"}}],
    }  # fmt: skip


def build_employer_postings(parameters: dict, progress: Progress) -> dict:
    """For the company's members: every posting of theirs, open or not, with its salary context."""
    from insights.selectors import salary_contexts_for
    from jobs.models import Company

    company = Company.objects.get(slug=parameters["company"])
    postings = _company_postings([company.pk], role=parameters.get("role"), visible_only=False)
    progress(40)
    contexts = salary_contexts_for(postings=postings, today=timezone.now().date(), peers=True)
    progress(70)
    rows = []
    for p in postings:
        context = contexts[p.pk]
        market = context.get("market_usd") if context["status"] == "ok" else None
        position = context.get("position") if market else None  # none when the posting gives no pay
        rows.append({
            "posting": p.pk, "title": p.title, "status": p.status, "level": p.level, "country": p.country,
            "pay_kind": p.pay_kind, "midpoint_usd": _money(p.salary_mid_usd),
            "market_segment": context["segment"]["key"],
            "market_p25": market and market["p25"], "market_p50": market and market["p50"],
            "market_p75": market and market["p75"],
            "market_sample_size": context.get("sample_size"),
            "percentile": float(position["midpoint_percentile"]) if position else None,
            "label": position["label"] if position else None,
            "withheld_reason": None if market else context.get("withheld_reason"),
        })  # fmt: skip
    return {
        "title": _title(ReportKind.EMPLOYER_POSTINGS, parameters),
        "summary": f"{len(rows)} postings; {sum(1 for r in rows if r['label'] == 'below')} pay below the "
                   "market's p25, " + f"{sum(1 for r in rows if r['label'] == 'above')} above its p75.",
        "sections": [{"id": "postings", "title": "Each posting against its market", "chart": "postings",
                      "rows": rows, "provenance": {
                          "kind": "employer_posted", "source": "the company's own postings, against the released "
                          "market ranges", "sample_size": len(rows), "as_of": timezone.now().isoformat()}}],
    }  # fmt: skip


def build_skill_premiums(parameters: dict, progress: Progress) -> dict:
    from insights.selectors import NOISE_RULE, skill_premiums

    results = skill_premiums(role_family=parameters["role"], level=parameters["level"])
    progress(60)
    rows = [
        {"skill": r["skill"], "label": r["label"], "premium_pct": r["premium_pct"],
         "uncertainty_pct": r["uncertainty_pct"], "within_noise": r["within_noise"],
         "countries_compared": r["countries_compared"], "with_sample_size": r["with_skill_sample_size"],
         "without_sample_size": r["without_skill_sample_size"], "withheld_reason": r["withheld_reason"],
         "published": r["premium_pct"] is not None}
        for r in results
    ]  # fmt: skip
    clear = [r for r in rows if r["published"] and r["within_noise"] is False]
    return {
        "title": _title(ReportKind.SKILL_PREMIUMS, parameters),
        "summary": (f"{len(clear)} of {len(rows)} skills show a premium (or discount) beyond noise. " + NOISE_RULE),
        "sections": [{"id": "skills", "title": "Pay premium of each skill, like for like by country (%)",
                      "chart": "skills", "rows": rows, "provenance": {
                          "kind": "computed", "source": MARKET_SOURCE + "; skills read from postings and titles",
                          "sample_size": sum((r["with_sample_size"] or 0) + (r["without_sample_size"] or 0)
                                             for r in rows) or None,
                          "as_of": results[0]["provenance"]["as_of"].isoformat() if results else None}}],
    }  # fmt: skip


BUILDERS = {
    ReportKind.SKILL_PREMIUMS: build_skill_premiums,
    ReportKind.MARKET_OVERVIEW: build_market_overview,
    ReportKind.LEVEL_LADDER: build_level_ladder,
    ReportKind.STARTUP_VS_BIGTECH: build_startup_vs_bigtech,
    ReportKind.COMPANY_COMPARISON: build_company_comparison,
    ReportKind.EMPLOYER_POSTINGS: build_employer_postings,
}


def build(kind: str, parameters: dict, progress: Progress) -> dict:
    return BUILDERS[kind](parameters, progress)
