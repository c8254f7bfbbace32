"""Each framework's generated app, driven in a real Chromium (the generated optional browser
suite): log in through the emulator's picker, see the profile, log out, deny, two tabs."""

import json
import os
import subprocess
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
SCREENSHOTS = TEMPLATE_DIR / "build" / "screenshots"
EVERY_SCOPE = " ".join(TEMPLATE["_scope_catalog"])  # the fullest profile page

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("framework", TEMPLATE["framework"])
def test_browser_suite_passes(framework, bake_with_hooks, tmp_path):
    project = bake_with_hooks(tmp_path, framework=framework, scopes=EVERY_SCOPE)
    subprocess.run(
        ["uv", "sync", "-q", "--compile-bytecode", "--group", "browser"], cwd=project, check=True
    )
    screenshots = SCREENSHOTS / framework
    result = subprocess.run(
        [".venv/bin/python", "-m", "pytest", "-q", "-m", "browser", "-p", "no:cacheprovider"],
        cwd=project,
        env={**os.environ, "SCREENSHOT_DIR": str(screenshots)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
    for page in ("home", "emulator-picker", "emulator-consent", "profile", "logged-out", "error"):
        for width in ("desktop", "phone"):
            assert (screenshots / f"{page}-{width}.png").stat().st_size > 1000
