from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.models import MarketRange
from salaries.compensation import Package, total_compensation
from tests.factories import CompanyFactory, PublishedPostingFactory
from tests.insights.independent import expected_percentiles

D = Decimal


def test_components_add_up_per_year():
    package = Package(bonus_target_pct=D(15), equity_grant_amount=D(200_000), vesting_years=4, sign_on_bonus=D(40_000))
    result = total_compensation(base=D(180_000), package=package)
    assert (result.bonus, result.equity_per_year, result.sign_on_per_year) == (D(27_000), D(50_000), D(10_000))
    assert result.total == D(267_000) and result.equity_unvalued_pct is None


def test_startup_equity_without_a_valuation_stays_a_percentage():
    result = total_compensation(base=D(150_000), package=Package(equity_pct_min=D("0.25"), equity_pct_max=D("0.5")))
    assert result.total == D(150_000) and result.equity_per_year == 0
    assert result.equity_unvalued_pct == (D("0.25"), D("0.5"))


def test_startup_equity_with_a_valuation_is_priced_over_the_vesting_period():
    package = Package(equity_pct_min=D("0.5"), equity_pct_max=D("1.0"), company_valuation=D(40_000_000))
    result = total_compensation(base=D(200_000), package=package)
    assert result.equity_per_year == D(75_000)  # 0.75% of 40M over the default 4 years
    assert result.total == D(275_000)


@given(
    base=st.decimals(min_value=1000, max_value=2_000_000, places=2),
    bonus=st.one_of(st.none(), st.decimals(min_value=0, max_value=200, places=2)),
    grant=st.one_of(st.none(), st.decimals(min_value=0, max_value=5_000_000, places=2)),
    years=st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
)
def test_total_is_never_below_base_and_equals_its_components(base, bonus, grant, years):
    result = total_compensation(
        base=base, package=Package(bonus_target_pct=bonus, equity_grant_amount=grant, vesting_years=years)
    )
    assert result.total >= result.base
    parts = result.base + result.bonus + result.equity_per_year + result.sign_on_per_year
    assert abs(result.total - parts) <= D("0.03")


@pytest.mark.django_db
def test_posting_shows_each_component_and_the_total(employer, as_user):
    body = {
        "title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "US",
        "salary_min": 180_000, "salary_max": 220_000, "salary_currency": "USD",
        "bonus_target_pct": 15, "equity_grant_amount": 400_000, "vesting_years": 4, "sign_on_bonus": 20_000,
    }  # fmt: skip
    response = as_user(employer).post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 201, response.json()
    compensation = response.json()["compensation"]
    assert compensation["base"] == 200_000 and compensation["bonus"] == 30_000
    assert compensation["equity_per_year"] == 100_000 and compensation["sign_on_per_year"] == 5_000
    assert compensation["total"] == 335_000 and compensation["annual_usd"]["total"] == 335_000
    assert compensation["provenance"]["kind"] == "employer_posted"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"bonus_target_pct": 10, "bonus_target_amount": 5000}, "bonus_target_amount", "conflict"),
        ({"equity_pct_min": 2, "equity_pct_max": 1}, "equity_pct_max", "min_greater_than_max"),
        ({"equity_pct_min": 150}, "equity_pct_min", "out_of_range"),
        ({"company_valuation": 1_000_000}, "equity_pct_min", "required"),
        ({"vesting_years": 0}, "vesting_years", "min_value"),
        ({"sign_on_bonus": -5}, "sign_on_bonus", "min_value"),
    ],
)
def test_bad_packages_are_rejected_with_the_field(employer, as_user, extra, field, code):
    body = {
        "title": "ML Engineer", "role_family": "ml_engineer", "level": "mid", "country": "US",
        "salary_min": 120_000, "salary_max": 150_000, "salary_currency": "USD", **extra,
    }  # fmt: skip
    response = as_user(employer).post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400
    assert (response.json()["error"]["fields"][0]["field"], response.json()["error"]["fields"][0]["code"]) == (
        field,
        code,
    )


@pytest.mark.django_db
def test_market_total_compensation_is_percentiles_of_totals(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        postings = [
            PublishedPostingFactory(
                company=CompanyFactory(),
                salary_min=140_000 + 10_000 * i,
                salary_max=160_000 + 10_000 * i,
                bonus_target_pct=D(5 * (i % 3)),
                equity_grant_amount=D(50_000 * (6 - i)),
            )
            for i in range(6)
        ]
    market = MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m")
    totals = [p.total_comp_mid_usd for p in postings]
    expected = expected_percentiles(totals)
    assert market.total_sample_size == 6
    for name, value in expected.items():
        assert abs(getattr(market, f"total_{name}") - value) <= D("0.01"), name
    # Each total is at least its base, so every total percentile is at least the base one.
    assert all(getattr(market, f"total_{n}") >= getattr(market, n) for n in ("p10", "p25", "p50", "p75", "p90"))
