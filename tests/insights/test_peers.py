"""A posting's salary context compares it with companies like its poster's: the same size band, the same
sector, each at the narrowest place that is publishable, and never with a range the public may not see."""

from decimal import Decimal

import numpy as np
import pytest

from insights.models import MarketRange
from tests.factories import CompanyFactory, PublishedPostingFactory
from tests.insights.public_figures import everything_public
from tests.insights.releases import within_release_noise

JOBS = "/api/v1/jobs/"


def quartiles(mids: list[Decimal]) -> dict[str, Decimal]:
    """p25, p50, p75 of the midpoints by linear interpolation (numpy, independent of the engine)."""
    values = np.array([float(m) for m in mids])
    return {f"p{q}": Decimal(str(np.percentile(values, q))).quantize(Decimal("0.01")) for q in (25, 50, 75)}


def one_posting_each(*, size_band: str, industry: str, lowest: int, step: int, companies: int = 6) -> list:
    """One US posting from each of several new companies of this size and industry, pay rising by `step`."""
    return [
        PublishedPostingFactory(
            company=CompanyFactory(size_band=size_band, industry=industry), city="",
            salary_min=lowest + step * n, salary_max=lowest + 20_000 + step * n,
        )
        for n in range(companies)
    ]  # fmt: skip


@pytest.mark.django_db
def test_peers_compare_with_the_same_size_band_and_sector(api, django_capture_on_commit_callbacks):
    """Six startups pay less than six large companies; the best-paid startup is compared with startups too,
    where it is well above their p75 (by more than the releases' noise)."""
    with django_capture_on_commit_callbacks(execute=True):
        startups = one_posting_each(size_band="startup", industry="Software", lowest=100_000, step=25_000)
        large = one_posting_each(size_band="large", industry="Banking", lowest=180_000, step=30_000)

    # Peers are the detail page's; the list compares each posting with its market only.
    listed = {item["id"]: item for item in api.get(JOBS, {"page_size": 50}).json()["results"]}
    assert all("peers" not in item["salary_context"] for item in listed.values())
    listed = {pk: api.get(f"{JOBS}{pk}/").json() for pk in listed}
    top_startup = listed[startups[-1].pk]["salary_context"]
    assert top_startup["status"] == "ok"
    assert top_startup["segment"]["key"] == "ml_engineer:senior:country:US:any:any:12m"

    by_size = top_startup["peers"]["size_band"]
    assert by_size["status"] == "ok"
    assert by_size["segment"]["key"] == "ml_engineer:senior:country:US:startup:any:12m"
    stored = MarketRange.objects.get(key=by_size["segment"]["key"])
    assert (by_size["sample_size"], by_size["company_count"]) == (
        stored.release["sample_size"], stored.release["company_count"]
    )  # fmt: skip
    assert abs(by_size["sample_size"] - 6) <= 2
    # The released quartiles: the exact ones (numpy) moved by the noise of six points.
    expected = quartiles([p.salary_mid_usd for p in startups])
    for name, exact in expected.items():
        assert within_release_noise(by_size["market_usd"][name], exact, n=6), name
    assert by_size["position"]["label"] == "above"
    assert by_size["provenance"]["kind"] == "computed" and by_size["as_of"]

    by_sector = top_startup["peers"]["sector"]
    assert by_sector["segment"]["key"] == "ml_engineer:senior:country:US:any:technology:any:12m"
    assert by_sector["status"] == "ok" and abs(by_sector["sample_size"] - 6) <= 2

    bank = listed[large[0].pk]["salary_context"]["peers"]
    assert bank["size_band"]["segment"]["size_band"] == "large"
    assert bank["sector"]["segment"]["sector"] == "finance"
    assert bank["size_band"]["position"]["label"] == "below"  # the lowest-paid large company


@pytest.mark.django_db
def test_peers_never_show_a_range_the_public_may_not_see(api, django_capture_on_commit_callbacks):
    """Five startups and one large company: the large band is one company, so its posting's size-band
    comparison is withheld at every place, and what is shown is exactly what the range listing shows."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            PublishedPostingFactory(
                company=CompanyFactory(size_band="startup", industry="Software"),
                city="",
                salary_min=110_000 + 5_000 * n,
            )
        lone = PublishedPostingFactory(company=CompanyFactory(size_band="large", industry="Software"), city="")

    shown = everything_public(api)
    for item in api.get(JOBS, {"page_size": 50}).json()["results"]:
        context = api.get(f"{JOBS}{item['id']}/").json()["salary_context"]
        if context["status"] != "ok":
            continue
        for peer in context["peers"].values():
            if peer["status"] == "ok":
                assert peer["segment"]["key"] in shown, peer["segment"]["key"]
                assert "market_usd" in peer
            else:
                assert "market_usd" not in peer and "position" not in peer
    lone_peers = api.get(f"{JOBS}{lone.pk}/").json()["salary_context"]["peers"]
    assert lone_peers["size_band"]["status"] == "insufficient_data"
    assert lone_peers["size_band"]["segment"]["key"] == "ml_engineer:senior:country:US:large:any:12m"
    assert MarketRange.objects.get(key="ml_engineer:senior:world:-:large:any:12m").sample_size == 1
