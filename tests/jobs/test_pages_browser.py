"""The candidate pages in a real browser: served by the live server under the real URLconf, rendered by headless
Chromium (Debian's), checked on the screenshot (the salary bar is drawn, in its colours, where the page says)
and for what keyboard and screen-reader users need (a label for every control, focus order, text contrast)."""

import io
import json
from decimal import Decimal

import numpy
import pytest
from PIL import Image

from insights.services import market_ranges_rebuild
from tests.browser import browser_page
from tests.factories import CompanyFactory, PublishedPostingFactory

pytestmark = pytest.mark.django_db(transaction=True)
BAND = (0xCF, 0xE0, 0xEE)  # the market's p25–p75 (jobs/templates/jobs/_salary_bar.html)
MARKER = (0xA3, 0x3B, 0x00)  # the posting's midpoint
PAY = (0x1D, 0x4F, 0x91)  # the posted range


def pixels_of(screenshot: Image.Image, box: dict) -> numpy.ndarray:
    crop = screenshot.convert("RGB").crop(
        (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    )
    return numpy.asarray(crop).astype(int)


def share_of(pixels: numpy.ndarray, colour: tuple[int, int, int], tolerance: int = 10) -> float:
    match = numpy.ones(pixels.shape[:2], dtype=bool)
    for channel, value in enumerate(colour):
        match &= abs(pixels[..., channel] - value) < tolerance
    return match.mean()


def luminance(rgb: str) -> float:
    values = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def build_market():
    postings = []
    for i in range(8):
        amount = Decimal(140_000 + 6_000 * i)
        postings.append(
            PublishedPostingFactory(
                company=CompanyFactory(),
                level="senior",
                country="US",
                city="Seattle",
                salary_min=amount,
                salary_max=amount + 25_000,
            )  # fmt: skip
        )
    market_ranges_rebuild()
    return postings


def test_the_job_list_renders_each_salary_bar_and_is_usable_by_keyboard(live_server, tmp_path):
    postings = build_market()
    with browser_page() as page:
        response = page.goto(f"{live_server.url}/jobs/")
        assert response.status == 200
        assert page.title().startswith("Jobs")
        bars = page.locator("figure.salary svg")
        assert bars.count() == len(postings)
        screenshot = Image.open(io.BytesIO(page.screenshot(path=str(tmp_path / "jobs.png"), full_page=True)))
        for index in range(bars.count()):
            box = bars.nth(index).bounding_box()
            assert box["width"] > 300 and box["height"] >= 24, box
            pixels = pixels_of(screenshot, box)
            # Drawn in its colours: the market's middle half, the posted range and its midpoint's marker.
            assert share_of(pixels, BAND) > 0.05, index
            assert share_of(pixels, PAY) > 0.01, index
            assert share_of(pixels, MARKER) > 0.002, index
            # The marker sits where the page says the midpoint is (its x, as a share of the bar).
            marker_x = float(bars.nth(index).locator("line.marker").get_attribute("x1"))
            columns = numpy.where((abs(pixels[..., 0] - MARKER[0]) < 10) & (abs(pixels[..., 1] - MARKER[1]) < 10)
                                  & (abs(pixels[..., 2] - MARKER[2]) < 10))[1]  # fmt: skip
            assert abs(columns.mean() / box["width"] * 100 - marker_x) < 3, (columns.mean(), marker_x)
        # Each bar says in words what it shows, for screen readers.
        label = bars.first.get_attribute("aria-label")
        assert "percentile of senior machine learning engineers in United States" in label
        # Every form control has an accessible name (a label), and the first Tab reaches the skip link.
        unnamed = page.eval_on_selector_all(
            "form.search input, form.search select",
            "els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)",
        )
        assert unnamed == []
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null")
        # Text contrast of body text, muted text and links against the page: WCAG AA (4.5:1) at least.
        for selector in ("h1", ".facts", "figure.salary figcaption", "ol.results h2 a"):
            colour = page.eval_on_selector(selector, "e => getComputedStyle(e).color")
            assert contrast(colour, "rgb(255, 255, 255)") >= 4.5, (selector, colour)
        # Searching works without JavaScript: the form's GET gives the filtered page.
        page.fill("#q", "")
        page.check("input[name=level][value=staff]")
        page.click("button[type=submit]")
        assert "level=staff" in page.url
        assert page.locator("ol.results > li").count() == 0
        assert page.get_by_text("No open job matches this search.").is_visible()


def test_a_job_page_renders_its_pay_against_the_market_and_carries_its_json_ld(live_server, tmp_path):
    postings = build_market()
    posting = postings[5]
    with browser_page() as page:
        response = page.goto(f"{live_server.url}/jobs/{posting.pk}/")
        assert response.status == 200
        assert page.title().startswith(f"{posting.title} at {posting.company.name}")
        assert page.locator("#posted-pay").inner_text() == "170,000–195,000 USD a year"
        bar = page.locator("figure.salary svg")
        box = bar.bounding_box()
        screenshot = Image.open(io.BytesIO(page.screenshot(path=str(tmp_path / "job.png"), full_page=True)))
        pixels = pixels_of(screenshot, box)
        assert share_of(pixels, BAND) > 0.05 and share_of(pixels, MARKER) > 0.002
        assert page.locator("#provenance").is_visible()
        assert "data points" in page.locator("#provenance").inner_text()
        # The JSON-LD is in the document the browser built, and parses.
        scripts = page.eval_on_selector_all('script[type="application/ld+json"]', "els => els.map(e => e.textContent)")
        assert len(scripts) == 1
        data = json.loads(scripts[0])
        assert data["@type"] == "JobPosting" and data["baseSalary"]["value"]["minValue"] == 170000.0
