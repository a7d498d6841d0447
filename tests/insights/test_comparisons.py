from decimal import Decimal

import pytest

from insights.models import MarketRange
from insights.services import market_ranges_rebuild
from jobs.models import SizeBand
from salaries.services.benchmarks import benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PublishedPostingFactory


def publish(size_band, amounts, *, country="US", level="senior"):
    for amount in amounts:
        PublishedPostingFactory(
            company=CompanyFactory(size_band=size_band), country=country, level=level,
            salary_min=Decimal(amount), salary_max=Decimal(amount),
        )  # fmt: skip


def side_range(size_band, *, country="US", level="senior") -> MarketRange:
    return MarketRange.objects.get(key=f"ml_engineer:{level}:country:{country}:{size_band}:any:all")


@pytest.mark.django_db
def test_startup_cash_claim_is_checked_like_for_like_from_released_medians(api):
    benchmarks_load_seed_articles()
    # 100 postings a side (noise 1.5–3% a median): startups' median 130k against large companies' 200k, 35% lower.
    publish(SizeBand.LARGE, [190_000 + 200 * i for i in range(100)])
    publish(SizeBand.STARTUP, [120_000 + 200 * i for i in range(100)])
    publish(SizeBand.STARTUP, [90_000] * 5, country="DE")  # no large-company German data: not comparable
    market_ranges_rebuild()

    claims = api.get("/api/v1/claims/").json()
    assert len(claims) == 1
    claim = claims[0]
    assert (claim["claimed_low"], claim["claimed_high"]) == (30.0, 40.0)
    assert claim["source"]["slug"] == "startups-vs-big-tech"
    [cell] = claim["observed"]["cells"]
    assert (cell["level"], cell["country"]) == ("senior", "US")
    # Every figure is the released one: the medians are the ranges' public p50, the discount follows from them.
    startup, large = side_range(SizeBand.STARTUP), side_range(SizeBand.LARGE)
    assert Decimal(str(cell["startup"]["median_usd"])) == startup.release["p50"]
    assert Decimal(str(cell["large"]["median_usd"])) == large.release["p50"]
    assert startup.p50 != startup.release["p50"]  # never the exact median
    expected = ((1 - Decimal(startup.release["p50"]) / Decimal(large.release["p50"])) * 100).quantize(Decimal("0.1"))
    assert Decimal(str(claim["observed"]["discount_pct"])) == expected
    assert 30 < expected < 40 and claim["verdict"] == "consistent"  # 35% exact: the noise keeps it inside
    assert claim["provenance"]["sample_size"] == startup.release["sample_size"] + large.release["sample_size"]


@pytest.mark.django_db
def test_claim_reports_when_data_disagrees_or_is_too_thin(api):
    benchmarks_load_seed_articles()
    publish(SizeBand.LARGE, [200_000] * 3)
    publish(SizeBand.STARTUP, [190_000] * 3)
    market_ranges_rebuild()
    thin = api.get("/api/v1/claims/").json()[0]
    assert thin["verdict"] == "not_enough_data" and thin["observed"]["cells"][0]["counted"] is False

    publish(SizeBand.LARGE, [200_000] * 97)
    publish(SizeBand.STARTUP, [190_000] * 97)  # 5% lower, well below the claimed 30–40% whatever the noise
    market_ranges_rebuild()
    assert api.get("/api/v1/claims/").json()[0]["verdict"] == "smaller_than_claimed"
    assert api.get("/api/v1/claims/", {"country": "USA"}).status_code == 400


@pytest.mark.django_db
def test_a_withheld_side_shows_why_and_never_a_median(api):
    """Five postings from one startup: its median would be that company's pay."""
    benchmarks_load_seed_articles()
    publish(SizeBand.LARGE, [200_000, 210_000, 220_000, 230_000, 240_000])
    one_startup = CompanyFactory(size_band=SizeBand.STARTUP)
    for amount in (150_000, 151_000, 152_000, 153_000, 154_000):
        PublishedPostingFactory(company=one_startup, salary_min=Decimal(amount), salary_max=Decimal(amount))
    market_ranges_rebuild()

    claim = api.get("/api/v1/claims/").json()[0]
    [cell] = claim["observed"]["cells"]
    assert cell["startup"] == {
        "published": False, "withheld_reason": "fewer than 3 distinct contributors", "median_usd": None,
        "sample_size": None,
    }  # fmt: skip
    assert cell["discount_pct"] is None and cell["counted"] is False
    assert Decimal(str(cell["large"]["median_usd"])) == side_range(SizeBand.LARGE).release["p50"]
    assert claim["verdict"] == "not_enough_data" and claim["observed"]["discount_pct"] is None
    assert "152000" not in str(claim)  # the one startup's median appears nowhere
