"""No list endpoint's cost grows with a parameter the client controls: the same number of queries for one row
as for a hundred, on the first page and past it."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from insights.services import market_ranges_rebuild
from salaries.services.benchmarks import benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/jobs/", "/api/v1/market-ranges/", "/api/v1/benchmarks/", "/api/v1/reports/?public=true",
         "/api/v1/salary-observations/", "/api/v1/benchmark-sources/"]  # fmt: skip


@pytest.fixture
def data():
    for i in range(30):
        PublishedPostingFactory(company=CompanyFactory(), level=["senior", "mid", "staff"][i % 3],
                                salary_min=Decimal(120_000 + 1_000 * i), salary_max=Decimal(150_000 + 1_000 * i))  # fmt: skip
    market_ranges_rebuild()
    benchmarks_load_seed_articles()


def queries_for(path: str, django_assert_max_num_queries) -> int:
    from django.core.cache import cache

    cache.clear()  # a kept page would cost less than a built one: compare built pages
    with django_assert_max_num_queries(50) as captured:
        response = APIClient().get(path)
    assert response.status_code == 200, (path, response.content[:200])
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_for_one_row_and_a_hundred(path, data, django_assert_max_num_queries):
    joiner = "&" if "?" in path else "?"
    one = queries_for(f"{path}{joiner}page_size=1", django_assert_max_num_queries)
    hundred = queries_for(f"{path}{joiner}page_size=100", django_assert_max_num_queries)
    assert hundred == one, f"{path}: {one} queries for one row, {hundred} for a hundred"
