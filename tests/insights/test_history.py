from datetime import date

import pytest
from django.utils import timezone

from insights.models import MarketRange, MarketRangeSnapshot
from insights.services import market_ranges_snapshot, market_ranges_snapshot_part
from insights.tasks import snapshot_market_ranges_task
from tests.factories import CompanyFactory, PublishedPostingFactory

KEY = "ml_engineer:senior:country:US:any:any:12m"


@pytest.mark.django_db
def test_daily_snapshots_keep_each_days_release_and_nothing_exact(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            PublishedPostingFactory(
                company=CompanyFactory(), salary_min=100_000 + 10_000 * i, salary_max=120_000 + 10_000 * i
            )
    first = MarketRange.objects.get(key=KEY).release
    market_ranges_snapshot(day=date(2026, 11, 20))
    with django_capture_on_commit_callbacks(execute=True):
        PublishedPostingFactory(company=CompanyFactory(), salary_min=300_000, salary_max=320_000)
    second = MarketRange.objects.get(key=KEY)
    market_ranges_snapshot(day=date(2026, 11, 21))
    market_ranges_snapshot(day=date(2026, 11, 21))  # twice in a day: still one row for the day

    history = api.get(f"/api/v1/market-ranges/{KEY}/history/").json()["history"]
    assert [point["day"] for point in history] == ["2026-11-20", "2026-11-21"]
    # Each day shows what the public saw that day: the release, noise and all; never the exact figures.
    assert [point["sample_size"] for point in history] == [first["sample_size"], second.release["sample_size"]]
    assert [point["base_pay"]["p50"] for point in history] == [first["p50"], second.release["p50"]]
    assert history[1]["base_pay"]["p50"] != second.p50
    assert "mean" not in str(history) and history[0]["base_pay"]["p10"] is None  # p10 only from 20 points
    assert history[0]["provenance"]["kind"] == "computed"
    # Withheld segments are not kept: the US junior range never had enough data.
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


@pytest.mark.django_db
def test_the_daily_task_hands_what_is_left_to_a_new_task_and_misses_nothing(
    settings, django_capture_on_commit_callbacks
):
    """With no time to spare each task does one chunk and passes the rest on; together they keep every
    publishable range, the same rows one uninterrupted run keeps."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(6):
            PublishedPostingFactory(
                company=CompanyFactory(size_band=["startup", "large"][i % 2]), salary_min=100_000 + 9_000 * i
            )
    whole = market_ranges_snapshot(day=date(2026, 11, 20))
    expected = set(MarketRangeSnapshot.objects.filter(day=date(2026, 11, 20)).values_list("key", flat=True))
    day = timezone.now().date()
    written, last = market_ranges_snapshot_part(day=day, chunk_size=3, seconds=0)
    assert last is not None and written < whole  # stopped after one chunk

    settings.MARKET_SNAPSHOT_PART_SECONDS = 0
    assert snapshot_market_ranges_task.delay(chunk_size=3).get() <= 3  # its own chunk; the rest went on

    kept = set(MarketRangeSnapshot.objects.filter(day=day).values_list("key", flat=True))
    assert kept == expected and len(kept) == whole > 3
