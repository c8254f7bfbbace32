"""A real Chromium (Debian's, driven by Playwright) for the optional browser suite.

Run it with:  uv sync --group browser && uv run pytest -m browser
It uses /usr/bin/chromium (apt-get install chromium) or $CHROMIUM_PATH; screenshots go to
$SCREENSHOT_DIR (default: test-results/screenshots).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    # This machine may have no network: keep Chromium from phoning home at start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = "Chromium not found: apt-get install chromium, or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


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
