"""The Dockerfile's start and health-check commands really serve the app (run here on the host,
since building the image needs a Docker engine)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import free_port, serving, spawn, stop, wait_for_http

# Whole server stacks, started and stopped for these tests; the quick check leaves them out.
pytestmark = pytest.mark.waits

DOCKERFILE = (Path(__file__).resolve().parent.parent / "Dockerfile").read_text()


def exec_form(instruction: str) -> list[str]:
    """The JSON array of the last CMD (or HEALTHCHECK ... CMD) line."""
    lines = DOCKERFILE.replace("\\\n", " ").splitlines()
    line = [x for x in lines if x.startswith(instruction)][-1]
    return json.loads(line[line.index("[") :])


def test_the_image_command_serves_the_app(app_env, tmp_path):
    command = exec_form("CMD")
    assert command[:2] == ["python", "-m"] and command[2].endswith(".serve")
    assert re.search(r"^USER 10001$", DOCKERFILE, re.MULTILINE), "the image must not run as root"
    port = free_port()
    env = serving(app_env, port, workers=1)
    process = spawn([sys.executable, *command[1:]], env=env, cwd=tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, "the image command")
        health = exec_form("HEALTHCHECK")
        assert health[0] == "python"
        check = subprocess.run([sys.executable, *health[1:]], env=env, timeout=10, check=False)
        assert check.returncode == 0
    finally:
        stop(process)
