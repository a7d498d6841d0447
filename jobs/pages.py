"""What the candidate pages show of a posting, in words and geometry: the salary bar against the market's
p25–p75, the segment it was compared with and the provenance of that comparison. Everything here reads the
posting's API representation (jobs.serializers.postings_represented), so the pages and the API say the same."""

from decimal import Decimal

import pycountry

from insights.regions import REGION_NAMES
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand

WINDOW_WORDS = {"12m": "last 12 months", "all": "all time"}
SOURCE_WORDS = {
    "employer_posted": "pay posted by employers on this board",
    "survey_observation": "imported salary surveys",
}
CONFIDENCE_WORDS = {"high": "high", "medium": "medium", "low": "low"}
LABEL_WORDS = {
    "below": "below the middle half of the market (under its 25th percentile)",
    "within": "within the middle half of the market (25th to 75th percentile)",
    "above": "above the middle half of the market (over its 75th percentile)",
}


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or getattr(country, "name", None) or code


def place_words(segment: dict) -> str:
    scope, place = segment["scope"], segment["place"] or ""
    if scope == "city":
        code, _, city = place.partition(".")
        return f"{city.replace('-', ' ').title()}, {country_name(code)}"
    if scope == "country":
        return country_name(place)
    if scope == "region":
        return REGION_NAMES.get(place, place)
    return "worldwide"


def segment_words(segment: dict) -> str:
    """'senior machine learning engineers in Germany, at startups, last 12 months'."""
    role = RoleFamily(segment["role_family"]).label if segment["role_family"] in RoleFamily.values else ""
    level = Level(segment["level"]).label.split(" (")[0] if segment["level"] in Level.values else segment["level"]
    place = place_words(segment)
    words = [f"{level.lower()} {role.lower()}s {place if segment['scope'] == 'world' else 'in ' + place}"]
    if segment.get("size_band"):
        words.append(f"at {SizeBand(segment['size_band']).label.lower()} companies")
    if segment.get("sector"):
        words.append(f"in {Sector(segment['sector']).label.split(' (')[0].lower()}")
    if segment.get("remote"):
        words.append("remote only")
    words.append(WINDOW_WORDS.get(segment["window"], segment["window"]))
    return ", ".join(words)


def provenance_words(context: dict) -> str:
    """Where the market figure a posting is compared with comes from, how many data points and how fresh."""
    provenance = context["provenance"]
    sources = " and ".join(SOURCE_WORDS.get(kind, kind) for kind in provenance.get("sources") or []) or "no source"
    as_of = context["as_of"]
    when = as_of.strftime("%Y-%m-%d %H:%M UTC") if as_of else "never"
    return (
        f"Computed by this board from {context['sample_size']} data points ({sources}) from "
        f"{context['company_count']} companies, on {when}. Confidence {CONFIDENCE_WORDS.get(context['confidence'], context['confidence'])}. "
        "Every published figure carries a little noise and is rounded to 100 USD, so that no one's pay can be "
        "worked out from it; ranges with too few data points are not published at all."
    )


def _percent(value: Decimal, low: Decimal, high: Decimal) -> float:
    return round(float((value - low) / (high - low) * 100), 2) if high > low else 50.0


def _bar_figures(posting: dict) -> tuple[dict, tuple[Decimal, Decimal, Decimal]] | None:
    context = posting["salary_context"]
    if context["status"] != "ok":
        return None
    market = context["market_usd"]
    figures = {name: Decimal(str(market[name])) for name in ("p10", "p25", "p50", "p75", "p90") if market.get(name)}
    if not {"p25", "p50", "p75"} <= figures.keys():
        return None
    if posting["pay"] is None:  # no pay given: nothing to place (bar_message says so, with the market)
        return None
    pay = posting["pay"]["annual_usd"]
    return figures, tuple(Decimal(str(pay[name])) for name in ("min", "max", "midpoint"))


def bar_scale(postings: list[dict]) -> tuple[Decimal, Decimal] | None:
    """One scale for every bar of a page (so that bars can be compared down a list): from the lowest figure any
    of them shows to the highest, with a margin."""
    values = []
    for posting in postings:
        if shown := _bar_figures(posting):
            figures, pay = shown
            values.extend([*figures.values(), *pay])
    if not values:
        return None
    low, high = min(values), max(values)
    margin = (high - low) * Decimal("0.05") or Decimal(1)
    return low - margin, high + margin


def salary_bar(posting: dict, scale: tuple[Decimal, Decimal] | None = None) -> dict | None:
    """Where a posting's annual pay (its range and midpoint) sits against its market's p10–p90 and p25–p75, as
    percentages of `scale` (by default its own), with the sentence that says the same for screen readers. None
    when the posting's market is not published (its context then says why)."""
    shown = _bar_figures(posting)
    if shown is None:
        return None
    figures, (low_pay, high_pay, mid) = shown
    low, high = scale or bar_scale([posting])
    context = posting["salary_context"]
    position = context["position"]
    percentile = position["midpoint_percentile"]
    clamped = position["percentile_clamped"]
    outer_low, outer_high = figures.get("p10", figures["p25"]), figures.get("p90", figures["p75"])
    return {
        "whisker_left": _percent(outer_low, low, high),
        "whisker_right": _percent(outer_high, low, high),
        "band_left": _percent(figures["p25"], low, high),
        "band_width": _percent(figures["p75"], low, high) - _percent(figures["p25"], low, high),
        "median": _percent(figures["p50"], low, high),
        "pay_left": _percent(low_pay, low, high),
        "pay_width": max(_percent(high_pay, low, high) - _percent(low_pay, low, high), 0.6),
        "marker": _percent(mid, low, high),
        "label": position["label"],
        "percentile": percentile,
        "ordinal": ordinal(percentile),
        "clamped": clamped,
        "estimate": posting["pay_kind"] == "estimate",
        "sentence": (
            f"{_whose_pay(posting)} midpoint {mid:,.0f} USD a year is {(position['label'] if clamped else 'at')} the "
            f"{ordinal(percentile)} percentile of {segment_words(context['segment'])}: {LABEL_WORDS[position['label']]}. "
            f"Market p25–p75: {figures['p25']:,.0f}–{figures['p75']:,.0f} USD, median {figures['p50']:,.0f} USD."
        ),
    }


def _whose_pay(posting: dict) -> str:
    if posting["pay_kind"] == "estimate":
        return f"Estimated pay (an estimate by {posting['pay']['provenance']['source']}, not the employer's)"
    return "Pay"


def no_pay_words(posting: dict) -> str:
    """For a posting without pay: that the employer gives none, and the market it would be compared with."""
    context = posting["salary_context"]
    words = f"{posting['company']['name']} gives no pay for this job."
    market = context.get("market_usd") if context["status"] == "ok" else None
    if market and market.get("p25") and market.get("p75"):
        words += (
            f" For comparison, the market for {segment_words(context['segment'])}: {float(market['p25']):,.0f}–"
            f"{float(market['p75']):,.0f} USD a year (p25–p75), median {float(market['p50']):,.0f} USD."
        )
    return words


def bar_message(posting: dict) -> str | None:
    """What stands in place of a salary bar: no pay given, or not enough data for its market."""
    if posting["pay"] is None:
        return no_pay_words(posting)
    if posting["salary_context"]["status"] != "ok":
        return insufficient_words(posting["salary_context"])
    return None


def ordinal(value) -> str:
    """62.4 → '62nd'."""
    number = int(Decimal(value).to_integral_value())
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def insufficient_words(context: dict) -> str:
    reason = context.get("withheld_reason") or "no data"
    if reason == "no data":
        reason = "no pay has been posted or surveyed for it yet"
    return (
        f"Not enough data to compare this pay with its market ({segment_words(context['segment'])}): {reason}. "
        "A market range is shown only when it rests on at least 5 data points from at least 3 companies, none "
        "supplying more than half."
    )


def _caption(bar: dict) -> str:
    whose = "Estimate: " if bar.get("estimate") else ""
    if bar["clamped"]:
        edge = "lowest" if bar["label"] == "below" else "highest"
        side = "below" if bar["label"] == "below" else "above"
        return f"{whose}{side if whose else side.capitalize()} the {edge} published percentile of its market"
    where = {"within": "within its middle half (p25–p75)", "below": "below its p25", "above": "above its p75"}
    return f"{whose}{bar['ordinal']} percentile of its market · {where[bar['label']]}"


def salary_bar_html(bar: dict | None, insufficient: str | None = None) -> str:
    """The bar as inline SVG (escaped by format_html): the market's p10–p90 whisker, p25–p75 band and median, the
    posted range and its midpoint's marker, with the sentence as its accessible name and a caption in words.
    Built here rather than in a template: a page draws twenty of them."""
    from django.utils.html import format_html

    if bar is None:
        return format_html('<p class="caption muted">{}</p>', insufficient) if insufficient else ""
    f = {name: f"{bar[name]:.2f}" for name in ("whisker_left", "whisker_right", "band_left", "band_width", "median",
                                                 "pay_left", "pay_width", "marker")}  # fmt: skip
    return format_html(
        '<figure class="salary" data-label="{label}">'
        '<svg role="img" aria-label="{sentence}" viewBox="0 0 100 30" preserveAspectRatio="none" focusable="false">'
        '<line x1="{whisker_left}" x2="{whisker_right}" y1="15" y2="15" stroke="#6b7a8a" stroke-width="0.6" '
        'vector-effect="non-scaling-stroke"></line>'
        '<rect class="band" x="{band_left}" width="{band_width}" y="6" height="18" fill="#cfe0ee" stroke="#4d7ea8" '
        'stroke-width="1" vector-effect="non-scaling-stroke"></rect>'
        '<line x1="{median}" x2="{median}" y1="6" y2="24" stroke="#4d7ea8" stroke-width="2" '
        'vector-effect="non-scaling-stroke"></line>'
        '<rect class="pay" x="{pay_left}" width="{pay_width}" y="12" height="6" fill="#1d4f91"></rect>'
        '<line class="marker" x1="{marker}" x2="{marker}" y1="2" y2="28" stroke="#a33b00" stroke-width="4" '
        'vector-effect="non-scaling-stroke"></line>'
        '</svg><figcaption class="caption">{caption}</figcaption></figure>',
        label=bar["label"], sentence=bar["sentence"], caption=_caption(bar), **f,
    )  # fmt: skip


def options_html(choices, selected, *, skip: tuple = ()) -> str:
    """A select's options, the selected ones marked: built here rather than by a template loop (the search form
    has a couple of hundred options, and the template engine took longer over them than the API takes over a
    whole page)."""
    from django.utils.html import format_html_join

    chosen = set(selected or ())
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, " selected" if value in chosen else "", label) for value, label in choices if value not in skip),
    )  # fmt: skip


def checkboxes_html(name: str, choices, selected) -> str:
    """Labelled checkboxes, one per choice, the selected ones checked."""
    from django.utils.html import format_html_join

    chosen = set(selected or ())
    return format_html_join(
        "", '\n      <label class="check"><input type="checkbox" name="{}" value="{}"{}> {}</label>',
        ((name, value, " checked" if value in chosen else "", label) for value, label in choices),
    )  # fmt: skip


def _pay_line_html(job: dict) -> str:
    from django.utils.html import format_html

    from jobs.templatetags.job_pages import money

    pay = job["pay"]
    if pay is None:
        return format_html('<span class="muted">{}</span>', "Pay not given by the employer")
    posted, estimate = pay["as_posted"], job["pay_kind"] == "estimate"
    parts = [format_html("{}{}–{} a {}", "Estimate: " if estimate else "", money(posted["min"]),
                         money(posted["max"], posted["currency"]), posted["period"].lower())]  # fmt: skip
    if posted["currency"] != "USD" or posted["period"] != "YEAR":
        usd = pay["annual_usd"]
        parts.append(format_html(' <span class="muted">(≈ {}–{} a year)</span>', money(usd["min"]),
                                 money(usd["max"], "USD")))  # fmt: skip
    if requested := pay.get("annual_requested"):
        parts.append(format_html(' <span class="muted">(≈ {}–{} a year)</span>', money(requested["min"]),
                                 money(requested["max"], requested["currency"])))  # fmt: skip
    if estimate:
        parts.append(format_html(' <span class="muted">(by {}, not the employer)</span>', pay["provenance"]["source"]))
    return "".join(parts)


def result_html(job: dict, *, labels: dict) -> str:
    """One job of the search results: title, company, place, level, date, pay and its salary bar. Built here like
    the bar (a page lists twenty, and the template engine's variable lookups took longer than the API's page)."""
    from django.template.defaultfilters import date
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    location, company = job["location"], job["company"]
    verified = mark_safe(' <span class="verified" title="Verified by our moderators">✓ verified</span>')  # noqa: S308
    return format_html(
        '<li>\n      <h2><a href="{}">{}</a></h2>\n      <p class="facts">{}{} · {}{} · {} · {} · posted {}</p>\n'
        '      <p class="pay">{}</p>\n      {}\n    </li>',
        reverse("job-page", args=[job["id"]]), job["title"], company["name"], verified if company["is_verified"] else "",
        f"{location['city']}, " if location["city"] else "", country_name(location["country"]),
        labels["remote_policy"].get(location["remote_policy"], location["remote_policy"]),
        labels["level"].get(job["level"], job["level"]), date(job["published_at"], "Y-m-d"),
        mark_safe(_pay_line_html(job)), job["bar_html"],  # noqa: S308 - built by format_html
    )  # fmt: skip
