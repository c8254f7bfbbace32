"""The real Chromium of the browser suite (tests/e2e): where it is, how it starts, its windows."""

import os
import shutil
from pathlib import Path

from tests.support.servers import missing

CHROMIUM_FLAGS = [
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    # The computer running the tests (a CI runner, or a laptop offline) may have no network:
    # keep Chromium from phoning home at start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        missing("Chromium not found: apt-get install chromium, or set CHROMIUM_PATH")
    return path
