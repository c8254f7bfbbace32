"""The documented one command (python -m <package>.dev) serves the app and the emulator together,
and a person can log in through the emulator's persona picker and consent page."""

import os
import sys
from pathlib import Path

import pytest
import requests

from tests.browser import Flow
from tests.conftest import PACKAGE, free_port, spawn, stop, wait_for_http

# Whole server stacks, started and stopped for these tests; the quick check leaves them out.
pytestmark = pytest.mark.waits


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory, key_files, store_env):
    app_port, sgid_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "SECRET_KEY": "-starts-with-a-dash-" + "x" * 40,
        "SGID_HOSTNAME": f"http://127.0.0.1:{sgid_port}",
        "SGID_CLIENT_ID": "dev-command-test",
        "SGID_CLIENT_SECRET": "-also-starts-with-a-dash",
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        "SGID_REDIRECT_URI": f"http://127.0.0.1:{app_port}/callback",
        **store_env,
    }
    workdir = tmp_path_factory.mktemp("dev")
    process = spawn([sys.executable, "-m", f"{PACKAGE}.dev"], cwd=workdir, env=env)
    app_url = f"http://127.0.0.1:{app_port}"
    wait_for_http(f"{app_url}/healthz", process, "the dev server")
    wait_for_http(f"http://127.0.0.1:{sgid_port}/v2/.well-known/jwks.json", process, "the emulator")
    yield app_url, process.pid
    stop(process)


def test_a_person_logs_in_through_the_picker(dev_server):
    app_url, _ = dev_server
    flow, browser = Flow(app_url), requests.Session()
    callback_url = flow.pick_and_approve(browser, flow.start(browser), "jose")
    assert browser.get(callback_url, allow_redirects=False).status_code == 303
    page = browser.get(f"{app_url}/").text
    assert "Log out" in page


def test_no_private_key_on_any_command_line(dev_server):
    """Any local user can read process command lines; the emulator only gets the public key."""
    _, dev_pid = dev_server
    started = descendants(dev_pid)
    assert len(started) >= 2, "the dev command starts the emulator and the app server"
    for pid in [dev_pid, *started]:
        assert b"PRIVATE KEY" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [n for child in children for n in (int(child), *descendants(int(child)))]
