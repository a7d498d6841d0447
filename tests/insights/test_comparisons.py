from decimal import Decimal

import pytest

from jobs.models import SizeBand
from salaries.services.benchmarks import benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PublishedPostingFactory


def publish(size_band, amounts, *, country="US", level="senior"):
    for amount in amounts:
        PublishedPostingFactory(
            company=CompanyFactory(size_band=size_band), country=country, level=level,
            salary_min=Decimal(amount), salary_max=Decimal(amount),
        )  # fmt: skip


@pytest.mark.django_db
def test_startup_cash_claim_is_checked_like_for_like(api):
    benchmarks_load_seed_articles()
    publish(SizeBand.LARGE, [200_000, 210_000, 220_000, 230_000, 240_000])
    publish(SizeBand.STARTUP, [130_000, 140_000, 150_000, 160_000, 170_000])  # median 150k vs 220k: 31.8% lower
    publish(SizeBand.STARTUP, [90_000] * 5, country="DE")  # no large-company German data: not comparable

    claims = api.get("/api/v1/claims/").json()
    assert len(claims) == 1
    claim = claims[0]
    assert (claim["claimed_low"], claim["claimed_high"]) == (30.0, 40.0)
    assert claim["source"]["slug"] == "startups-vs-big-tech"
    assert claim["observed"]["discount_pct"] == 31.8
    assert claim["verdict"] == "consistent"
    assert [(c["level"], c["country"]) for c in claim["observed"]["cells"]] == [("senior", "US")]
    assert claim["provenance"]["sample_size"] == 10


@pytest.mark.django_db
def test_claim_reports_when_data_disagrees_or_is_too_thin(api):
    benchmarks_load_seed_articles()
    publish(SizeBand.LARGE, [200_000] * 3)
    publish(SizeBand.STARTUP, [190_000] * 3)
    thin = api.get("/api/v1/claims/").json()[0]
    assert thin["verdict"] == "not_enough_data" and thin["observed"]["cells"][0]["counted"] is False

    publish(SizeBand.LARGE, [200_000] * 2)
    publish(SizeBand.STARTUP, [190_000] * 2)
    assert api.get("/api/v1/claims/").json()[0]["verdict"] == "smaller_than_claimed"
    assert api.get("/api/v1/claims/", {"country": "USA"}).status_code == 400


@pytest.mark.django_db
def test_a_thin_side_shows_its_counts_but_never_its_median(api):
    """Five postings from one startup: its median would be that company's pay, so only the counts show."""
    benchmarks_load_seed_articles()
    publish(SizeBand.LARGE, [200_000, 210_000, 220_000, 230_000, 240_000])
    one_startup = CompanyFactory(size_band=SizeBand.STARTUP)
    for amount in (150_000, 151_000, 152_000, 153_000, 154_000):
        PublishedPostingFactory(company=one_startup, salary_min=Decimal(amount), salary_max=Decimal(amount))

    claim = api.get("/api/v1/claims/").json()[0]
    [cell] = claim["observed"]["cells"]
    assert (cell["startup_points"], cell["large_points"]) == (5, 5)
    assert cell["startup_median_usd"] is None and cell["discount_pct"] is None and cell["counted"] is False
    assert Decimal(str(cell["large_median_usd"])) == Decimal("220000.00")  # five companies: shown
    assert claim["verdict"] == "not_enough_data" and claim["observed"]["discount_pct"] is None
    assert "152000" not in str(claim)  # the one startup's median appears nowhere
