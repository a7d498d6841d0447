"""The workbench in a real browser: the moderation queue, a posting's page and the market-range list, served by
the live server under the real URLconf, signed in as a moderator through the login form, rendered by headless
Chromium and checked for the salary context. Set SCREENSHOTS_DIR to keep the screenshots."""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from insights.services import market_ranges_rebuild
from tests.browser import browser_page
from tests.factories import CompanyFactory, ModeratorFactory, PendingPostingFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-moderators-pass-1"


def keep(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def shot(page, path: Path) -> Image.Image:
    image = Image.open(io.BytesIO(page.screenshot(path=str(path), full_page=True)))
    grey = image.convert("L")
    inked = sum(count for value, count in enumerate(grey.histogram()) if value < 235) / (grey.width * grey.height)
    assert inked > 0.02, (path.name, inked)  # drawn, not a blank page
    return image


def test_moderation_queue_posting_page_and_range_list_in_chromium(live_server, tmp_path):
    for i in range(8):
        PublishedPostingFactory(company=CompanyFactory(), salary_min=Decimal(140_000 + 2_000 * i),
                                salary_max=Decimal(170_000 + 2_000 * i))  # fmt: skip
    waiting = PendingPostingFactory(title="Senior ML Engineer, Search", salary_min=Decimal(200_000),
                                    salary_max=Decimal(230_000))  # fmt: skip
    market_ranges_rebuild()
    moderator = ModeratorFactory(username="queue-moderator", is_staff=True)
    moderator.set_password(PASSWORD)
    moderator.save()

    with browser_page(width=1600, height=1000) as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/jobs/pendingposting/")
        page.get_by_label("Username").fill("queue-moderator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/jobs/pendingposting/")

        row = page.locator("#result_list tbody tr").first
        assert "Senior ML Engineer, Search" in row.inner_text()
        assert "above" in row.locator("td.field-market").inner_text()  # 215,000 against about 155,000
        assert "p25–p75" in row.locator("td.field-market").inner_text()
        shot(page, keep(tmp_path, "moderation-queue.png"))

        page.goto(f"{live_server.url}/admin/jobs/jobposting/{waiting.pk}/change/")
        context = page.locator("#salary-context")
        assert context.is_visible()
        text = context.inner_text().lower()  # the admin's headings are upper-cased by its style sheet
        assert "pay against the market" in text and "percentile" in text and "sample size" in text
        assert page.locator("#market-ranges a").count() >= 1
        shot(page, keep(tmp_path, "posting-page.png"))

        page.locator("#market-ranges a").first.click()  # a moderator follows the link to the range
        page.locator("#range-history").wait_for()
        page.goto(f"{live_server.url}/admin/insights/marketrange/")
        header = page.locator("#result_list thead").inner_text().lower()
        assert {"sample size", "p25", "p50", "p75", "withheld reason"} <= {h.strip() for h in header.split("\n") if h}
        first = page.locator("#result_list tbody tr").first
        assert first.locator("td.field-p50").is_visible()  # the figures without scrolling
        shot(page, keep(tmp_path, "market-range-list.png"))
