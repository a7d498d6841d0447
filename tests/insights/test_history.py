from datetime import date
from decimal import Decimal

import pytest

from insights.models import MarketRangeSnapshot
from insights.services import market_ranges_snapshot
from insights.tasks import snapshot_market_ranges_task
from tests.factories import CompanyFactory, PublishedPostingFactory

KEY = "ml_engineer:senior:country:US:any:any:12m"


@pytest.mark.django_db
def test_daily_snapshots_build_a_history_of_publishable_ranges(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            PublishedPostingFactory(
                company=CompanyFactory(), salary_min=100_000 + 10_000 * i, salary_max=120_000 + 10_000 * i
            )
    market_ranges_snapshot(day=date(2026, 11, 20))
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(company=CompanyFactory(), salary_min=300_000, salary_max=320_000)
    market_ranges_snapshot(day=date(2026, 11, 21))
    market_ranges_snapshot(day=date(2026, 11, 21))  # twice in a day: still one row for the day

    history = api.get(f"/api/v1/market-ranges/{KEY}/history/").json()["history"]
    assert [(point["day"], point["sample_size"]) for point in history] == [("2026-11-20", 5), ("2026-11-21", 6)]
    assert Decimal(str(history[1]["p50"])) > Decimal(str(history[0]["p50"]))
    assert history[0]["provenance"]["kind"] == "computed"
    # Thin segments are not kept: the US junior range never had enough data.
    assert not MarketRangeSnapshot.objects.filter(key__startswith="ml_engineer:junior").exists()


@pytest.mark.django_db
def test_history_of_an_unknown_key_is_a_json_404(api):
    response = api.get("/api/v1/market-ranges/not-a-key/history/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.get(f"/api/v1/market-ranges/{KEY}/history/").json() == {"key": KEY, "history": []}


@pytest.mark.django_db
def test_the_daily_task_snapshots_today(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            PublishedPostingFactory(company=CompanyFactory(), salary_min=100_000 + 10_000 * i)
    assert snapshot_market_ranges_task.delay().get() == MarketRangeSnapshot.objects.count() > 0
