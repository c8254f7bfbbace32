"""The documented one command (python -m <package>.dev) serves the app and the emulator together,
and a person can log in through the emulator's persona picker and consent page."""

import os
import subprocess
import sys

import pytest
import requests

from tests.browser import Flow
from tests.conftest import PACKAGE, free_port, stop, wait_for_http


@pytest.fixture
def dev_server(tmp_path, key_files, store_env):
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
    process = subprocess.Popen([sys.executable, "-m", f"{PACKAGE}.dev"], cwd=tmp_path, env=env)
    app_url = f"http://127.0.0.1:{app_port}"
    wait_for_http(f"{app_url}/healthz", process, "the dev server")
    wait_for_http(f"http://127.0.0.1:{sgid_port}/v2/.well-known/jwks.json", process, "the emulator")
    yield app_url
    stop(process)


def test_a_person_logs_in_through_the_picker(dev_server):
    flow, browser = Flow(dev_server), requests.Session()
    callback_url = flow.pick_and_approve(browser, flow.start(browser), "jose")
    assert browser.get(callback_url, allow_redirects=False).status_code == 303
    page = browser.get(f"{dev_server}/").text
    assert "Log out" in page
