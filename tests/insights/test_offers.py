"""Offer evaluation and startups against big tech, through the API on data whose answer is known."""

from decimal import Decimal

import pytest

from insights.models import InsightReport, MarketRange
from insights.services import market_ranges_rebuild
from jobs.models import JobPosting, SizeBand
from salaries.money import rate_on
from salaries.services.benchmarks import benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db

SENIOR_US = "ml_engineer:senior:country:US:any:any:12m"


@pytest.fixture
def market():
    """Senior ML engineers in the US: 40 postings from 40 mid-size companies, base 150,000–189,000, each with a
    10% bonus (so totals are published too)."""
    for i in range(40):
        amount = Decimal(150_000 + 1_000 * i)
        PublishedPostingFactory(company=CompanyFactory(size_band=SizeBand.MID_SIZE), level="senior", country="US",
                                salary_min=amount, salary_max=amount, bonus_target_pct=10)  # fmt: skip
    market_ranges_rebuild()
    return MarketRange.objects.get(key=SENIOR_US)


def evaluate(api, **offer):
    return api.post("/api/v1/offers/evaluate/", {"role": "ml_engineer", "level": "senior", "country": "US", **offer},
                    format="json")  # fmt: skip


def test_an_offer_at_the_released_median_is_at_the_50th_percentile_with_a_counter_range(market, api):
    release = market.release
    response = evaluate(api, base_amount=release["p50"])
    assert response.status_code == 200, response.json()
    body = response.json()
    base = body["base_pay"]
    assert base["segment"] == SENIOR_US and base["percentile"] == 50.0 and base["label"] == "within"
    assert {k: base["market_usd"][k] for k in ("p25", "p50", "p75")} == {k: release[k] for k in ("p25", "p50", "p75")}
    assert base["provenance"]["sample_size"] == release["sample_size"] and base["provenance"]["kind"] == "computed"
    assert body["counter_offer"]["low_usd"] == release["p50"] and body["counter_offer"]["high_usd"] == release["p75"]
    assert body["stored"] is False

    at_p25 = evaluate(api, base_amount=release["p25"]).json()["base_pay"]
    assert at_p25["percentile"] == 25.0 and "below the median" in at_p25["verdict"].lower()
    strong = evaluate(api, base_amount=release["p90"] + 50_000).json()
    assert strong["base_pay"]["percentile_clamped"] is True and strong["counter_offer"] is None


def test_offers_in_another_currency_and_period_are_normalised_and_answered_in_it(market, api):
    eur = rate_on("EUR", __import__("datetime").date.today())
    monthly = (Decimal(market.release["p50"]) / eur.rate_to_usd / 12).quantize(Decimal("0.01"))
    body = evaluate(api, base_amount=str(monthly), currency="eur", period="MONTH").json()
    assert abs(body["offer"]["base_annual_usd"] - market.release["p50"]) < 1
    assert abs(body["base_pay"]["percentile"] - 50) < 0.2
    assert body["base_pay"]["market"]["currency"] == "EUR"
    expected = (Decimal(market.release["p50"]) / eur.rate_to_usd).quantize(Decimal("0.01"))
    assert Decimal(str(body["base_pay"]["market"]["p50"])) == expected


def test_total_compensation_is_placed_on_the_released_totals(market, api):
    total = market.release["total"]
    assert total is not None
    # 10% bonus and 40,000 of RSUs over 4 years: 10,000 a year.
    base = Decimal(total["p50"] - 10_000) / Decimal("1.1")
    body = evaluate(api, base_amount=str(base.quantize(Decimal("0.01"))), bonus_pct=10, rsu_amount=40_000).json()
    assert abs(body["offer"]["total_usd"] - total["p50"]) < 1
    assert abs(body["total_compensation"]["percentile"] - 50) < 0.2
    assert body["total_compensation"]["provenance"]["sample_size"] == total["sample_size"]


def test_a_title_gives_role_and_level_and_thin_segments_widen(market, api):
    body = api.post("/api/v1/offers/evaluate/", {"title": "Senior Machine Learning Engineer", "country": "US",
                                                 "city": "Boise", "company_size": "startup",
                                                 "base_amount": 170_000}, format="json").json()  # fmt: skip
    assert (body["role_family"], body["level"]) == ("ml_engineer", "senior")
    tried = body["segments_tried"]
    assert tried[0]["key"] == "ml_engineer:senior:city:US.boise:startup:any:12m" and not tried[0]["published"]
    assert body["base_pay"]["segment"] == SENIOR_US  # the first published on the way out


def test_bad_offers_are_400s_naming_the_field_and_nothing_is_stored(market, api):
    before = (JobPosting.objects.count(), InsightReport.objects.count())
    cases = [
        ({"base_amount": 0}, "base_amount"),
        ({"base_amount": "lots"}, "base_amount"),
        ({"base_amount": 100_000, "currency": "XYZ"}, "currency"),
        ({"base_amount": 100_000, "country": "XX"}, "country"),
        ({"base_amount": 100_000, "period": "FORTNIGHT"}, "period"),
        ({"base_amount": 100_000, "level": "emperor"}, "level"),
        ({"base_amount": 999_999_999_999}, "base.amount"),
        ({"base_amount": 100_000, "company": "no-such-company"}, "company"),
        ({"base_amount": 100_000, "bonus_pct": 10, "bonus_amount": 5}, "bonus_amount"),
    ]
    for offer, field in cases:
        response = evaluate(api, **offer)
        assert response.status_code == 400, (offer, response.content)
        assert field in [f["field"] for f in response.json()["error"]["fields"]], (offer, response.json())
    no_role = api.post("/api/v1/offers/evaluate/", {"country": "US", "base_amount": 1}, format="json")
    assert no_role.status_code == 400 and no_role.json()["error"]["fields"][0]["field"] == "role"
    assert (JobPosting.objects.count(), InsightReport.objects.count()) == before


def test_an_offer_costs_a_few_queries_whatever_the_data(market, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert evaluate(api, base_amount=160_000, company_size="mid_size").status_code == 200


def test_startup_vs_bigtech_endpoint_reads_the_released_sides(api):
    benchmarks_load_seed_articles()
    for band, base in ((SizeBand.LARGE, 190_000), (SizeBand.STARTUP, 120_000)):
        for i in range(100):
            amount = Decimal(base + 200 * i)
            PublishedPostingFactory(company=CompanyFactory(size_band=band), level="senior", country="US",
                                    salary_min=amount, salary_max=amount)  # fmt: skip
    market_ranges_rebuild()
    body = api.get("/api/v1/insights/startup-vs-bigtech/?role=ml_engineer&level=senior&place=US").json()
    [row] = body["sections"][0]["rows"]
    startup = MarketRange.objects.get(key="ml_engineer:senior:country:US:startup:any:all").release
    large = MarketRange.objects.get(key="ml_engineer:senior:country:US:large:any:all").release
    assert (row["startup"]["p50"], row["large"]["p50"]) == (startup["p50"], large["p50"])
    assert row["cash_gap_pct"] == round((1 - startup["p50"] / large["p50"]) * 100, 1)
    assert body["assumptions"]["vesting_years"] == 4
    bad = api.get("/api/v1/insights/startup-vs-bigtech/?role=ml_engineer&place=Atlantis")
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "place"
    assert api.get("/api/v1/insights/startup-vs-bigtech/?level=senior").json()["error"]["fields"][0]["field"] == "role"


def test_leaderboard_ranks_published_places_by_released_median_and_refuses_companies(api):
    for country, base, n in (("US", 180_000, 10), ("DE", 90_000, 10), ("GB", 120_000, 10), ("FR", 95_000, 2)):
        for i in range(n):
            amount = Decimal(base + 500 * i)
            PublishedPostingFactory(company=CompanyFactory(), level="senior", country=country, salary_min=amount,
                                    salary_max=amount)  # fmt: skip
    market_ranges_rebuild()
    body = api.get("/api/v1/insights/leaderboard/?by=country&role=ml_engineer&level=senior").json()
    places = [row["segment"]["place"] for row in body["results"]]
    assert places == ["US", "GB", "DE"]  # FR (2 points) is withheld, so not ranked
    us = MarketRange.objects.get(key=SENIOR_US).release
    assert body["results"][0]["median_usd"] == us["p50"] and body["results"][0]["sample_size"] == us["sample_size"]

    refused = api.get("/api/v1/insights/leaderboard/?by=company&role=ml_engineer&level=senior")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"][0] == {
        "field": "by",
        "code": "not_offered",
        "message": refused.json()["error"]["fields"][0]["message"],
    }
    bad = api.get("/api/v1/insights/leaderboard/?by=planet&level=senior").json()["error"]["fields"]
    assert {f["field"] for f in bad} == {"by", "role"}
