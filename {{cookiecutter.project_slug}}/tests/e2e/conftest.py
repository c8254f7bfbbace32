"""A real Chromium (Debian's, driven by Playwright) for the optional browser suite.

Run it with:  uv sync --group browser && uv run pytest -m browser
It uses /usr/bin/chromium (apt-get install chromium) or $CHROMIUM_PATH; screenshots go to
$SCREENSHOT_DIR (default: test-results/screenshots).
"""

import os
from pathlib import Path

import pytest

from tests.support.chromium import CHROMIUM_FLAGS, DESKTOP, chromium_path


@pytest.fixture(scope="session")
def chromium():
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="install the browser group: uv sync --group browser"
    )
    flags = [*CHROMIUM_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=flags)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR", "test-results/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def person(emulator):
    """The emulator shows its persona picker and consent page, as it does for people."""
    emulator.admin("PUT", "auto-approve", {"persona": None})
    yield
    emulator.admin("POST", "reset")


@pytest.fixture
def page(chromium, person):
    context = chromium.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()
