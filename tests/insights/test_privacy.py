"""No pair of ranges the public can see gives away a few companies' pay through their difference.

An attacker who reads two published ranges A ⊇ S gets n(A)·mean(A) − n(S)·mean(S): the pay total of the
points in A and not in S. These tests publish random small markets, list every range an anonymous
client can see through the API (every filter combination), and check every nested pair against the data.
"""

import random
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from insights.models import MarketRange
from insights.regions import region_of
from insights.segments import segments_for_posting
from insights.services import market_ranges_rebuild
from jobs.models import JobPosting
from tests.factories import CompanyFactory, PublishedPostingFactory

MARKET_RANGES = "/api/v1/market-ranges/"
PLACES = [("US", "Seattle"), ("US", "Austin"), ("CA", "Toronto"), ("DE", "Berlin")]
SECTORS = ("any", "technology", "finance", "healthcare")  # every sector the random companies below can have


SURVEY_HEADER = (
    "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
    "employee_residence,remote_ratio,company_location,company_size"
)


def import_us_survey(tmp_path, salaries) -> None:
    """This year's survey records of US senior ML engineers at these salaries, through the real importer."""
    year = date.today().year
    rows = [f"{year},SE,FT,Machine Learning Engineer,{s},USD,{s},US,0,US,M" for s in salaries]
    survey = tmp_path / "survey.csv"
    survey.write_text("\n".join([SURVEY_HEADER, *rows]) + "\n")
    call_command("import_salaries", str(survey), "--format", "aijobs", "--report", str(tmp_path / "report.csv"))


def everything_public(api) -> dict[str, dict]:
    """Every range an anonymous client is shown with numbers, through every filter combination."""
    shown = {}
    for size in ("any", "startup", "mid_size", "large"):
        for sector in SECTORS:
            for remote in ("false", "true"):
                for window in ("12m", "all"):
                    page = f"{MARKET_RANGES}?size={size}&sector={sector}&remote={remote}&window={window}&page_size=100"
                    while page:
                        body = api.get(page).json()
                        shown |= {r["key"]: r for r in body["results"] if r["mean"] is not None}
                        page = body["next"]
    return shown


def _parts(key: str) -> list[str]:
    """A key's eight dimensions, the sector (absent from any-sector keys) sixth."""
    parts = key.split(":")
    return parts if len(parts) == 8 else [*parts[:5], "any", *parts[5:]]


def contains(outer: str, inner: str) -> bool:
    """Whether segment `outer` holds every point of `inner` by definition (written out, not the product's)."""
    o_role, o_level, o_scope, o_place, o_size, o_sector, o_remote, o_window = _parts(outer)
    i_role, i_level, i_scope, i_place, i_size, i_sector, i_remote, i_window = _parts(inner)
    if (o_role, o_level) != (i_role, i_level) or outer == inner:
        return False
    if o_size not in ("any", i_size) or o_remote not in ("any", i_remote) or o_window not in ("all", i_window):
        return False
    if o_sector not in ("any", i_sector):
        return False
    inner_country = i_place.split(".")[0] if i_scope in ("city", "country") else None
    return {
        "world": True,
        "region": (i_scope == "region" and i_place == o_place)
        or (inner_country is not None and region_of(inner_country) == o_place),
        "country": inner_country == o_place,
        "city": i_scope == "city" and i_place == o_place,
    }[o_scope]


def members(postings) -> dict[str, list]:
    points: dict[str, list] = {}
    for posting in postings:
        for segment in segments_for_posting(posting):
            points.setdefault(segment.key, []).append(posting)
    return points


def assert_no_pair_reveals_few_companies(shown: dict[str, dict], points: dict[str, list]) -> int:
    checked = 0
    for outer in shown:
        for inner in shown:
            if not contains(outer, inner):
                continue
            inner_ids = {p.pk for p in points[inner]}
            difference = [p for p in points[outer] if p.pk not in inner_ids]
            checked += 1
            if not difference:
                continue
            per_company = Counter(p.company_id for p in difference)
            assert len(difference) >= 5, (outer, inner, len(difference))
            assert len(per_company) >= 3, (outer, inner, per_company)
            assert max(per_company.values()) * 2 <= len(difference), (outer, inner, per_company)
    return checked


def direct_parts(outer: str, shown: dict[str, dict]) -> dict[str, list[str]]:
    """The shown segments that are parts of `outer` cut along one dimension, by dimension (written out
    from the definitions, not the product's): its size bands, its sectors, the places one step inside it."""
    o = _parts(outer)
    cuts: dict[str, list[str]] = {}
    for inner in shown:
        i = _parts(inner)
        differing = [index for index in range(8) if o[index] != i[index]]
        if differing == [4] and o[4] == "any":
            cuts.setdefault("size", []).append(inner)
        elif differing == [5] and o[5] == "any":
            cuts.setdefault("sector", []).append(inner)
        elif set(differing) <= {2, 3} and differing:
            i_scope, i_place = i[2], i[3]
            next_out = {
                "city": ("country", i_place.split(".")[0]),
                "country": ("region", region_of(i_place)) if region_of(i_place) else ("world", "-"),
                "region": ("world", "-"),
                "world": (None, None),
            }[i_scope]
            if next_out == (o[2], o[3]):
                cuts.setdefault("place", []).append(inner)
    return cuts


def assert_no_cut_reveals_few_companies(shown: dict[str, dict], points: dict[str, list]) -> int:
    """A shown segment minus every shown part of it along one cut leaves nothing, or enough companies."""
    checked = 0
    for outer in shown:
        for dimension, parts in direct_parts(outer, shown).items():
            inside = {p.pk for part in parts for p in points[part]}
            rest = [p for p in points[outer] if p.pk not in inside]
            checked += 1
            if not rest:
                continue
            per_company = Counter(p.company_id for p in rest)
            context = (outer, dimension, parts, per_company)
            assert len(rest) >= 5 and len(per_company) >= 3, context
            assert max(per_company.values()) * 2 <= len(rest), context
    return checked


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_no_published_pair_reveals_a_few_companies_pay(api, seed, django_capture_on_commit_callbacks):
    rng = random.Random(seed)
    companies = [
        CompanyFactory(
            size_band=rng.choice(["startup", "mid_size", "large"]),
            industry=rng.choice(["Software", "Software", "Fintech", "Biotech", ""]),
        )
        for _ in range(7)
    ]
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(rng.randint(14, 26)):
            country, city = rng.choice(PLACES)
            PublishedPostingFactory(
                company=rng.choice(companies), country=country, city=city,
                remote_policy=rng.choice(["onsite", "onsite", "remote"]),
                salary_min=Decimal(rng.randrange(90_000, 200_000, 1_000)), salary_max=Decimal(210_000),
            )  # fmt: skip
    market_ranges_rebuild()

    shown = everything_public(api)
    points = members(JobPosting.objects.visible().select_related("company"))
    assert_no_pair_reveals_few_companies(shown, points)
    assert_no_cut_reveals_few_companies(shown, points)
    # Not vacuous: ranges are published, and only ranges that pass the rule on their own.
    assert shown
    assert all(MarketRange.objects.get(key=key).is_publishable for key in shown)


@pytest.mark.django_db
def test_one_company_outside_a_city_cannot_be_subtracted_out(api, as_user, django_capture_on_commit_callbacks):
    """Five companies in Seattle; one more company in Austin. US − Seattle would be Austin's one posting."""
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(5):
            PublishedPostingFactory(company=CompanyFactory(), city="Seattle", salary_min=120_000 + 10_000 * index)
        lone = PublishedPostingFactory(company=CompanyFactory(), city="Austin", salary_min=173_000)

    shown = everything_public(api)
    seattle, us = "ml_engineer:senior:city:US.seattle:any:any:12m", "ml_engineer:senior:country:US:any:any:12m"
    assert MarketRange.objects.get(key=seattle).is_publishable and MarketRange.objects.get(key=us).is_publishable
    assert not (seattle in shown and us in shown)
    # Whatever pair is shown, n·mean differences never give the lone company's midpoint.
    for outer in shown.values():
        for inner in shown.values():
            gap = outer["sample_size"] - inner["sample_size"]
            if gap == 1:
                derived = outer["sample_size"] * Decimal(outer["mean"]) - inner["sample_size"] * Decimal(inner["mean"])
                assert abs(derived - lone.salary_mid_usd) > 1
    [seattle_range] = api.get(MARKET_RANGES, {"city": "US.seattle", "role": "ml_engineer", "level": "senior"}).json()[
        "results"
    ]
    assert seattle_range["publishable"] is False and seattle_range["not_published_reason"]


@pytest.mark.django_db
def test_totals_from_one_company_are_withheld_even_when_survey_records_make_base_pay_publishable(
    api, as_user, moderator, tmp_path, django_capture_on_commit_callbacks
):
    """Total compensation rests on postings alone: six survey respondents make the US base range public
    (11 points, 7 contributors, the largest 5 of 11), but its totals would be one company's five packages."""
    import_us_survey(tmp_path, [150_000 + 5_000 * i for i in range(6)])
    one_company = CompanyFactory(size_band="large")
    with django_capture_on_commit_callbacks(execute=True):
        for salary in range(200_000, 250_000, 10_000):
            PublishedPostingFactory(
                company=one_company, country="US", city="", salary_min=salary, salary_max=salary + 20_000
            )
    market_ranges_rebuild()

    key = "ml_engineer:senior:country:US:any:any:12m"
    stored = MarketRange.objects.get(key=key)
    counts = (stored.sample_size, stored.company_count, stored.total_sample_size, stored.total_company_count)
    assert counts == (11, 7, 5, 1)
    assert stored.is_publishable and stored.total_publishability_problem

    query = {"role": "ml_engineer", "level": "senior", "country": "US", "window": "12m"}
    [public] = [r for r in api.get(MARKET_RANGES, query).json()["results"] if r["key"] == key]
    assert public["p50"] is not None and public["mean"] is not None
    assert public["total_p50"] is None and public["total_mean"] is None
    assert "companies" in public["total_not_published_reason"]
    [seen] = [r for r in as_user(moderator).get(MARKET_RANGES, query).json()["results"] if r["key"] == key]
    assert Decimal(seen["total_p50"]) == stored.total_p50  # moderators see everything
    # Nor does a posting's salary context compare a package with that one company's other package.
    for job in api.get("/api/v1/jobs/", {"country": "US"}).json()["results"]:
        assert (job["salary_context"] or {}).get("total_compensation") is None


@pytest.mark.django_db
def test_one_company_outside_a_sector_cannot_be_subtracted_out(api, django_capture_on_commit_callbacks):
    """Five technology companies in the US and one bank. US (any sector) − US technology would be the bank."""
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(5):
            PublishedPostingFactory(
                company=CompanyFactory(industry="Software"), city="", salary_min=120_000 + 9_000 * index
            )
        bank = PublishedPostingFactory(company=CompanyFactory(industry="Banking"), city="", salary_min=181_000)

    any_sector, technology = (
        "ml_engineer:senior:country:US:any:any:12m",
        "ml_engineer:senior:country:US:any:technology:any:12m",
    )
    assert MarketRange.objects.get(key=any_sector).is_publishable
    assert MarketRange.objects.get(key=technology).is_publishable
    shown = everything_public(api)
    assert not (any_sector in shown and technology in shown)
    assert any(len(key.split(":")) == 8 for key in shown) or any_sector in shown  # something is published
    for outer in shown.values():
        for inner in shown.values():
            if outer["sample_size"] - inner["sample_size"] == 1:
                derived = outer["sample_size"] * Decimal(outer["mean"]) - inner["sample_size"] * Decimal(inner["mean"])
                assert abs(derived - bank.salary_mid_usd) > 1
    assert_no_pair_reveals_few_companies(shown, members(JobPosting.objects.visible().select_related("company")))


@pytest.mark.django_db
def test_one_large_company_cannot_be_had_from_any_size_less_the_other_bands(api, django_capture_on_commit_callbacks):
    """Startups (3 companies) and mid-size companies (3) publish on their own, and so does the US at any
    size; every pair difference holds at least 4 companies. But any size − startups − mid-size would be the
    one large company's two postings."""
    with django_capture_on_commit_callbacks(execute=True):
        for band in ("startup", "mid_size"):
            for index in range(3):
                company = CompanyFactory(size_band=band, industry="Software")
                for step in range(2):
                    PublishedPostingFactory(company=company, city="", salary_min=110_000 + 7_000 * index + 3_000 * step)
        large = CompanyFactory(size_band="large", industry="Software")
        lone = [
            PublishedPostingFactory(company=large, city="", salary_min=s, salary_max=s + 20_000)
            for s in (201_000, 207_000)
        ]

    base = "ml_engineer:senior:country:US:{}:any:12m"
    any_size, startup, mid_size = (base.format(band) for band in ("any", "startup", "mid_size"))
    for key in (any_size, startup, mid_size):
        assert MarketRange.objects.get(key=key).is_publishable  # each passes the rule on its own
    shown = everything_public(api)
    assert not {any_size, startup, mid_size} <= shown.keys()
    assert any_size in shown  # the wider range stays; a part is withheld
    # Nothing shown adds up to the large company's pay total.
    secret = sum(p.salary_mid_usd for p in lone)
    us = [
        r for key, r in shown.items() if key.startswith("ml_engineer:senior:country:US:") and key.endswith(":any:12m")
    ]
    totals = {key: r["sample_size"] * Decimal(r["mean"]) for key, r in ((r["key"], r) for r in us)}
    if any_size in totals:
        rest = totals[any_size] - sum(t for key, t in totals.items() if key != any_size and len(key.split(":")) == 7)
        assert abs(rest - secret) > 1
    points = members(JobPosting.objects.visible().select_related("company"))
    assert_no_cut_reveals_few_companies(shown, points)
    assert_no_pair_reveals_few_companies(shown, points)
    listed = {
        r["key"]: r
        for size in ("startup", "mid_size")
        for r in api.get(MARKET_RANGES, {"country": "US", "size": size}).json()["results"]
    }
    withheld = [listed[key] for key in (startup, mid_size) if key not in shown]
    assert withheld and all("size parts" in r["not_published_reason"] for r in withheld)


@pytest.mark.django_db
def test_totals_of_postings_outside_a_city_cannot_be_subtracted_out(api, tmp_path, django_capture_on_commit_callbacks):
    """Five companies in Seattle, one more company's two postings elsewhere in the US, six survey records.
    US − Seattle in base pay is 8 points from 7 contributors (safe); in total compensation, which rests
    on postings alone, it is the one company's two packages."""
    import_us_survey(tmp_path, [140_000 + 4_000 * i for i in range(6)])
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(5):
            PublishedPostingFactory(company=CompanyFactory(), city="Seattle", salary_min=120_000 + 10_000 * index)
        lone_company = CompanyFactory()
        lone = [
            PublishedPostingFactory(
                company=lone_company, city="", salary_min=s, salary_max=s + 20_000, bonus_target_pct=15
            )
            for s in (200_000, 210_000)
        ]
    market_ranges_rebuild()

    us, seattle = "ml_engineer:senior:country:US:any:any:12m", "ml_engineer:senior:city:US.seattle:any:any:12m"
    stored_us, stored_seattle = MarketRange.objects.get(key=us), MarketRange.objects.get(key=seattle)
    assert (stored_us.sample_size, stored_us.total_sample_size, stored_us.total_company_count) == (13, 7, 6)
    assert stored_us.is_publishable and stored_us.total_publishability_problem is None
    assert stored_seattle.is_publishable and stored_seattle.total_publishability_problem is None

    shown = everything_public(api)
    secret = sum(p.total_comp_mid_usd for p in lone)
    totals = {key: r["total_sample_size"] * Decimal(r["total_mean"]) for key, r in shown.items() if r["total_mean"]}
    # Any published figure over postings alone: totals, and base pay of a range with no survey records.
    posted = {
        key: r["sample_size"] * Decimal(r["mean"])
        for key, r in shown.items()
        if r["provenance"]["observation_count"] == 0
    }
    for outer_total in totals.values():
        for inner_total in [*totals.values(), *posted.values()]:
            assert abs(outer_total - inner_total - secret) > 1
    assert not (us in totals and seattle in shown)
    [listed] = [
        r
        for r in api.get(MARKET_RANGES, {"city": "US.seattle", "role": "ml_engineer", "level": "senior"}).json()[
            "results"
        ]
        if r["key"] == seattle
    ]
    if seattle not in shown:
        assert "total compensation" in listed["not_published_reason"]
