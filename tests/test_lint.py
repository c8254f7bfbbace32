"""The template's own code (hooks, tests, benchmarks) passes ruff, like the projects it makes."""

import subprocess
import sys
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent

OWN_CODE = ["hooks", "tests", "bench"]


def test_ruff_check():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *OWN_CODE],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_ruff_format():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *OWN_CODE],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
