"""Headless Chromium for page tests: Debian's `chromium` package driven by Playwright (`executable_path`), never
a browser Playwright downloads. Missing, a test skips (fails under REQUIRE_SERVICES=1, as in CI, where .ci/run
installs the package)."""

import shutil
from contextlib import contextmanager

from tests.conftest import require_or_skip

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    require_or_skip("these tests need Debian's chromium (apt-get install chromium) on PATH")


@contextmanager
def browser_page(width: int = 1280, height: int = 900):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("these tests need Playwright: pip install -e '.[dev]'")
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
