"""A report's page in a real browser: served by the live server under the real URLconf, rendered by headless
Chromium, its charts checked on the screenshot."""

import io
from decimal import Decimal

import numpy
import pytest
from PIL import Image

from insights.models import InsightReport
from insights.services import market_ranges_rebuild, market_ranges_snapshot
from insights.services.reports import reports_publish_weekly
from jobs.models import SizeBand
from tests.browser import browser_page
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def inked_share(image: Image.Image) -> float:
    """The share of pixels that are not (near) white."""
    grey = image.convert("L")
    dark = sum(count for value, count in enumerate(grey.histogram()) if value < 235)
    return dark / (grey.width * grey.height)


def test_a_report_page_renders_its_charts_in_chromium(live_server, tmp_path):
    for level, base in (("mid", 110_000), ("senior", 150_000), ("staff", 210_000)):
        for band in (SizeBand.STARTUP, SizeBand.LARGE):
            for i in range(12):
                amount = Decimal(base + (0 if band == SizeBand.LARGE else -30_000) + 1_500 * i)
                PublishedPostingFactory(company=CompanyFactory(size_band=band), level=level, country="US",
                                        salary_min=amount, salary_max=amount)  # fmt: skip
    market_ranges_rebuild()
    market_ranges_snapshot()
    reports_publish_weekly()  # committed: tasks run in-process after commit, as on the embedded default
    report = InsightReport.objects.get(is_public=True, parameters__role="ml_engineer")
    assert report.status == "done", report.error

    with browser_page() as page:
        response = page.goto(f"{live_server.url}/reports/{report.pk}/")
        assert response.status == 200
        assert page.title().startswith("Market overview: Machine learning engineer")
        charts = page.locator("figure.chart")
        names = [charts.nth(i).get_attribute("data-chart") for i in range(charts.count())]
        assert {"levels", "sizes", "history"} <= set(names)
        path = tmp_path / "report.png"
        screenshot = Image.open(io.BytesIO(page.screenshot(path=str(path), full_page=True)))
        for index, name in enumerate(names):
            svg = charts.nth(index).locator("svg")
            box = svg.bounding_box()
            assert box["width"] > 400 and box["height"] > 150, (name, box)
            region = screenshot.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]),
                                      int(box["y"] + box["height"])))  # fmt: skip
            # Drawn, not blank: axes, labels and boxes or bars or lines ink a few per cent of the chart at least.
            assert inked_share(region) > 0.03, (name, inked_share(region))
        # The levels chart's boxes are filled with the report's box colour (#cfe0ee), seen in the pixels.
        levels = charts.nth(names.index("levels")).locator("svg").bounding_box()
        crop = screenshot.convert("RGB").crop(
            (
                int(levels["x"]),
                int(levels["y"]),
                int(levels["x"] + levels["width"]),
                int(levels["y"] + levels["height"]),
            )
        )
        pixels = numpy.asarray(crop).astype(int)
        box_colour = (
            (abs(pixels[..., 0] - 0xCF) < 8) & (abs(pixels[..., 1] - 0xE0) < 8) & (abs(pixels[..., 2] - 0xEE) < 8)
        )
        assert box_colour.sum() > 500
        # Sample sizes are part of every chart, and the numbers table is under it.
        assert page.locator("table").first.is_visible()
        labels = charts.nth(names.index("levels")).locator("svg text").all_text_contents()
        assert any(label.startswith("n=") for label in labels), labels
