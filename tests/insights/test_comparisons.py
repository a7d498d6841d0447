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
