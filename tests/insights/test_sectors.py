"""The sector dimension: a company's industry read into a sector, the segments it adds, their keys, the
API's filter, and a company that changes sector."""

from decimal import Decimal

import numpy as np
import pytest

from insights.models import DirtySegment, MarketRange
from insights.segments import Segment, segments_for
from insights.services import market_ranges_verify
from jobs import services
from jobs.models import Company
from salaries.taxonomy import Sector, sector_for_industry
from tests.factories import CompanyFactory, PublishedPostingFactory

MARKET_RANGES = "/api/v1/market-ranges/"


@pytest.mark.parametrize(
    "industry, sector",
    [
        ("Fintech", "finance"), ("Banking", "finance"), ("Insurtech", "finance"), ("Biotech", "healthcare"),
        ("Pharmaceuticals", "healthcare"), ("Automotive", "automotive"), ("Mobility", "automotive"),
        ("E-commerce", "consumer"), ("Retail", "consumer"), ("Streaming", "media"), ("Gaming", "media"),
        ("Industrial AI", "industrial"), ("Logistics", "industrial"), ("Consulting", "services"),
        ("IT services", "services"), ("Edtech", "public"), ("Software", "technology"), ("Generative AI", "technology"),
        ("Consumer electronics", "technology"), ("Semiconductors", "technology"), ("", ""), ("Bakery", ""),
    ],
)  # fmt: skip
def test_a_free_text_industry_is_read_into_a_sector(industry, sector):
    assert sector_for_industry(industry) == sector
    assert sector == "" or sector in Sector.values


def test_sector_keys_keep_every_earlier_key_valid():
    old = "ml_engineer:senior:country:US:startup:remote:12m"
    assert Segment.from_key(old).key == old and Segment.from_key(old).sector == ""
    new = "ml_engineer:senior:country:US:startup:finance:remote:12m"
    segment = Segment.from_key(new)
    assert (segment.size_band, segment.sector, segment.remote, segment.key) == ("startup", "finance", True, new)
    # `any` in the sector's place names the any-sector segment, spelled the old way.
    assert Segment.from_key("ml_engineer:senior:country:US:startup:any:remote:12m").key == old
    for bad in (
        "ml_engineer:senior:city:US.seattle:any:finance:any:12m",  # not cut below country
        "ml_engineer:senior:country:US:any:bakeries:any:12m",
        "ml_engineer:senior:country:US:any:finance:any",
        "ml_engineer:senior:country:US:any:finance:sometimes:12m",
    ):
        with pytest.raises(ValueError):
            Segment.from_key(bad)


def test_a_posting_with_a_sector_belongs_to_a_bounded_known_set_of_segments():
    onsite = segments_for(
        role_family="ml_engineer", level="senior", country="US", city="Seattle", size_band="startup", sector="finance"
    )
    remote = segments_for(
        role_family="ml_engineer", level="senior", country="US", city="Seattle", size_band="startup",
        sector="finance", remote=True,
    )  # fmt: skip
    without = segments_for(role_family="ml_engineer", level="senior", country="US", city="Seattle", size_band="startup")
    assert (len(onsite), len(remote), len(without)) == (28, 56, 16)
    assert len({s.key for s in onsite}) == 28
    assert {s.scope for s in onsite if s.sector} == {"country", "region", "world"}
    assert {s for s in onsite if not s.sector} == set(without)


def test_the_segments_containing_a_sector_segment_include_its_any_sector_ones():
    segment = Segment.from_key("ml_engineer:senior:country:US:startup:finance:remote:12m")
    containing = {s.key for s in segment.containing()}
    assert len(containing) == 3 * 2 * 2 * 2 * 2 - 1
    assert "ml_engineer:senior:country:US:startup:remote:12m" in containing  # same slice, any sector
    assert "ml_engineer:senior:world:-:any:any:all" in containing
    assert segment.key not in containing
    # An any-sector segment is never contained by a sector's (the sector's is a part of it, not a whole).
    assert all(not s.sector for s in Segment.from_key("ml_engineer:senior:country:US:any:any:12m").containing())


@pytest.mark.django_db
def test_company_save_reads_the_sector_from_the_industry_and_keeps_one_set_by_hand():
    company = services.company_save(
        company=Company(name="Ledgerly", slug="ledgerly", size_band="startup", industry="Payments infrastructure")
    )
    assert Company.objects.get(pk=company.pk).sector == "finance"
    company.sector = "technology"  # an admin's choice wins over the words
    services.company_save(company=company)
    assert Company.objects.get(pk=company.pk).sector == "technology"


@pytest.mark.django_db
def test_sector_ranges_hold_only_their_sectors_postings(django_capture_on_commit_callbacks):
    pays = {"Fintech": [150_000, 162_000, 171_000, 188_000, 199_000, 230_000], "Software": [120_000, 140_000, 260_000]}
    with django_capture_on_commit_callbacks(execute=True):
        for industry, salaries in pays.items():
            for salary in salaries:
                PublishedPostingFactory(
                    company=CompanyFactory(industry=industry), city="", salary_min=salary, salary_max=salary + 20_000
                )
    finance = MarketRange.objects.get(key="ml_engineer:senior:country:US:any:finance:any:12m")
    midpoints = np.array([salary + 10_000 for salary in pays["Fintech"]], dtype=float)
    assert finance.sample_size == 6 and finance.company_count == 6
    assert finance.p50 == Decimal(str(np.percentile(midpoints, 50))).quantize(Decimal("0.01"))
    assert finance.p90 == Decimal(str(np.percentile(midpoints, 90))).quantize(Decimal("0.01"))
    assert MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m").sample_size == 9
    assert MarketRange.objects.get(key="ml_engineer:senior:world:-:any:technology:any:12m").sample_size == 3
    assert market_ranges_verify() == []


@pytest.mark.django_db
def test_a_company_moving_to_another_sector_moves_its_postings(django_capture_on_commit_callbacks):
    company = CompanyFactory(industry="Fintech")
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(company=company, salary_min=150_000)
        PublishedPostingFactory(company=CompanyFactory(industry="Fintech"), salary_min=120_000)
    finance, media = (f"ml_engineer:senior:country:US:any:{sector}:any:12m" for sector in ("finance", "media"))
    assert MarketRange.objects.get(key=finance).sample_size == 2

    company.sector = "media"
    with django_capture_on_commit_callbacks(execute=True):
        services.company_save(company=company)
    assert not DirtySegment.objects.exists()
    assert MarketRange.objects.get(key=finance).sample_size == 1
    assert MarketRange.objects.get(key=media).sample_size == 1
    assert market_ranges_verify() == []


@pytest.mark.django_db
def test_the_api_filters_by_sector_and_rejects_an_unknown_one(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(5):
            PublishedPostingFactory(company=CompanyFactory(industry="Fintech"), salary_min=140_000 + 5_000 * index)
        PublishedPostingFactory(company=CompanyFactory(industry="Software"), salary_min=150_000)

    query = {"role": "ml_engineer", "level": "senior", "country": "US"}
    default = api.get(MARKET_RANGES, query).json()["results"]
    assert [r["segment"]["key"] for r in default] == ["ml_engineer:senior:country:US:any:any:12m"]  # any sector
    [finance] = api.get(MARKET_RANGES, {**query, "sector": "finance"}).json()["results"]
    assert finance["segment"]["key"] == "ml_engineer:senior:country:US:any:finance:any:12m"
    assert finance["segment"]["sector"] == "finance" and finance["published"]
    assert abs(finance["sample_size"] - 5) <= 2 and 3 <= finance["company_count"] <= 7  # perturbed counts
    assert api.get(MARKET_RANGES, {**query, "sector": "media"}).json()["results"] == []
    assert api.get(MARKET_RANGES, {"city": "US.seattle", "sector": "finance"}).json()["results"] == []

    response = api.get(MARKET_RANGES, {**query, "sector": "bakeries"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"][0]["field"] == "sector"

    history = api.get(f"{MARKET_RANGES}ml_engineer:senior:country:US:any:any:any:12m/history/")
    assert history.status_code == 200 and history.json()["key"] == "ml_engineer:senior:country:US:any:any:12m"
    assert api.get(f"{MARKET_RANGES}ml_engineer:senior:city:US.seattle:any:finance:any:12m/history/").status_code == 404


@pytest.mark.django_db
def test_jobs_can_be_listed_by_sector_and_size(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bank = PublishedPostingFactory(company=CompanyFactory(industry="Banking", size_band="large"))
        PublishedPostingFactory(company=CompanyFactory(industry="Software", size_band="startup"))
    found = api.get("/api/v1/jobs/", {"sector": "finance"}).json()["results"]
    assert [job["id"] for job in found] == [bank.pk]
    assert [job["id"] for job in api.get("/api/v1/jobs/", {"size": "large"}).json()["results"]] == [bank.pk]
    response = api.get("/api/v1/jobs/", {"sector": "bakeries"})
    assert response.status_code == 400 and response.json()["error"]["fields"][0]["field"] == "sector"
