"""Ordering by best pay for its market (`?ordering=market`): each posting's stored percentile is the salary
context's own, set at approval and refreshed by beat's task for the partitions whose ranges moved, written only
when it moved; the list walks it by keyset like the other orderings."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from insights.services import market_ranges_rebuild
from jobs.market_position import market_positions_refresh
from jobs.models import JobPosting
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db


def market(level, country, bases):
    postings = [
        PublishedPostingFactory(
            company=CompanyFactory(),
            level=level,
            country=country,
            city="Seattle",
            salary_min=Decimal(base),
            salary_max=Decimal(base + 20_000),
        )  # fmt: skip
        for base in bases
    ]
    return postings


def walk(client, **params) -> list[dict]:
    rows, url = [], "/api/v1/jobs/"
    response = client.get(url, {**params, "page_size": 3})
    while True:
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = client.get(response.json()["next"])


def test_the_list_orders_by_the_stored_market_percentile_which_matches_the_salary_context():
    senior = market("senior", "US", [120_000 + 9_000 * i for i in range(8)])
    staff = market("staff", "US", [200_000 + 11_000 * i for i in range(6)])
    lonely = PublishedPostingFactory(level="director", country="NZ", city="Auckland")  # no market published
    market_ranges_rebuild()
    counts = market_positions_refresh(since=None)
    assert counts["read"] == len(senior) + len(staff) + 1 and counts["written"] >= len(senior) + len(staff)
    client = APIClient()
    rows = walk(client, ordering="market")
    assert len(rows) == len(senior) + len(staff) + 1 and len({row["id"] for row in rows}) == len(rows)
    stored = dict(JobPosting.objects.values_list("id", "market_percentile"))
    shown = {row["id"]: row["salary_context"].get("position", {}).get("midpoint_percentile") for row in rows}
    for posting_id, percentile in shown.items():
        if percentile is None:
            assert stored[posting_id] == Decimal("-1.0")
        else:
            assert stored[posting_id] == Decimal(str(percentile)), posting_id
    order = [stored[row["id"]] for row in rows]
    assert order == sorted(order, reverse=True)
    assert rows[-1]["id"] == lonely.pk  # no market: last
    # A repeat writes nothing: nothing moved.
    assert market_positions_refresh(since=None)["written"] == 0


def test_approval_places_a_posting_at_once_and_a_moved_market_is_refreshed():
    market("senior", "DE", [90_000 + 6_000 * i for i in range(8)])
    market_ranges_rebuild()
    market_positions_refresh(since=None)
    top = PublishedPostingFactory(company=CompanyFactory(), level="senior", country="DE", city="Berlin",
                                  salary_min=Decimal(200_000), salary_max=Decimal(220_000))  # fmt: skip
    # Set when approved: above the whole published curve (p25–p75 at n = 8), so at its top.
    assert JobPosting.objects.get(pk=top.pk).market_percentile == Decimal("75.0")
    first = APIClient().get("/api/v1/jobs/", {"ordering": "market"}).json()["results"][0]
    assert first["id"] == top.pk
    assert APIClient().get("/api/v1/jobs/", {"ordering": "best"}).status_code == 400
