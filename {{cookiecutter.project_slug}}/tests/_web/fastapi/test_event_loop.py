"""The sgID SDK is synchronous: it runs in the thread pool, so a slow sgID delays only the
login that waits for it, never the other requests on the same event loop."""

import threading
import time
from urllib.parse import urlsplit

import requests
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import load_settings
from {{ cookiecutter.package_name }}.web import create_app

SGID_DELAY = 1.0  # seconds the emulator holds the token request
# Room for that wait (the suite's limits are 1 s and 1.5 s), so the slow login succeeds.
PATIENT = {"SGID_READ_TIMEOUT": "2", "SGID_CALLBACK_DEADLINE": "3"}


def test_a_slow_sgid_does_not_block_other_requests(app_env, emulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({**app_env, **PATIENT})
    with TestClient(create_app(settings), follow_redirects=False) as client:
        authorize_url = client.get("/login").headers["location"]
        callback = requests.get(authorize_url, allow_redirects=False, timeout=5)
        callback_path = "/callback?" + urlsplit(callback.headers["location"]).query
        emulator.faults("token.hang", hang_seconds=SGID_DELAY)

        finished = {}
        login = threading.Thread(target=lambda: finished.update(response=client.get(callback_path)))
        login.start()
        time.sleep(0.2)  # the callback is now waiting for sgID
        started = time.monotonic()
        assert client.get("/healthz").status_code == 200
        took = time.monotonic() - started
        login.join(timeout=10)

    assert took < SGID_DELAY / 2, f"/healthz waited {took:.2f} s behind the callback"
    assert finished["response"].status_code == 303  # and the slow login itself succeeded
