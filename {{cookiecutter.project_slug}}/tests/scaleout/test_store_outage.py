"""The session store goes down mid-run: a friendly 503 within 2 s, nobody logged in, and the
app recovers by itself when the store is back."""

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from {{ cookiecutter.package_name }}.config import SESSION_STORE

from tests.support.cluster import log_in_across, timed_get
from tests.support.http_client import Flow
from tests.support.stores import children
from tests.web.facts import LOGIN_OPENS_THE_SESSION

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(SESSION_STORE == "cookie", reason="the cookie store has no server"),
]
BOUND = 2.0  # seconds a page may take while the store is down


def wait_until_healthy(url: str, within: float = 10) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{url} did not report a healthy store within {within} s")


@pytest.mark.parametrize("round_", [1, 2])  # a second outage: recovery is not a one-off
def test_store_outage_answers_503_and_recovers_without_a_restart(pair, cluster, visitor, round_):
    first, second = pair
    assert log_in_across(visitor, start_on=first, finish_on=second).status_code == 303
    assert Flow(first).is_logged_in(visitor)

    cluster.store.stop()
    try:
        for url in pair:
            for path in ("/", "/login", "/callback?code=abc&state=def"):
                response, took = timed_get(visitor, f"{url}{path}")
                assert took < BOUND, (url, path, took)
                assert "Log out" not in response.text  # never treated as logged in
                assert "Content-Security-Policy" in response.headers
                if path == "/login" and not LOGIN_OPENS_THE_SESSION:
                    assert response.status_code == 302, (url, response.status_code)
                    continue
                assert response.status_code == 503, (url, path, response.status_code)
                assert "We cannot open your session right now" in response.text
                assert 0 < int(response.headers["Retry-After"]) <= 120
            # A new visitor starting a login: the login in progress lives in its own cookie, so
            # it starts (a redirect to sgID) without the store.
            response, took = timed_get(requests.Session(), f"{url}/login")
            assert (response.status_code, took < BOUND) == (302, True)
            # Pages that need no session still work; /healthz says what is wrong.
            response, took = timed_get(requests.Session(), f"{url}/")
            assert (response.status_code, took < BOUND) == (200, True)
            assert "Log out" not in response.text
            response, took = timed_get(requests.Session(), f"{url}/healthz")
            assert (response.status_code, took < BOUND) == (503, True)
            assert response.json()["session_store"] is False
    finally:
        cluster.store.start()

    for url in pair:
        wait_until_healthy(url)
    # No restart of the app: logins work again, across instances.
    fresh = requests.Session()
    assert log_in_across(fresh, start_on=second, finish_on=first).status_code == 303
    assert Flow(second).is_logged_in(fresh)


def workers_of(server_pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker, under uvicorn)."""
    return [
        pid
        for pid in children(server_pid)
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_workers_started_during_an_outage_boot_and_the_instance_recovers(pair, cluster):
    """Workers replaced while the store is down (the server restarting a crashed one, or one
    still booting when the store went down) boot anyway and answer the friendly 503: a worker
    that failed to boot would stop the whole server, and the instance would never recover."""
    first, second = pair
    server = cluster.processes[0]  # first's: the module's pair was its first start
    cluster.store.stop()
    try:
        before = workers_of(server.pid)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replaced = set(workers_of(server.pid)) - set(before)
            if len(replaced) == len(before):
                break
            time.sleep(0.1)
        assert len(replaced) == len(before), "the server did not replace its workers"
        for _ in range(2 * len(before)):  # fresh connections, so every new worker answers
            response = requests.get(f"{first}/healthz", timeout=15)
            assert response.status_code == 503 and response.json()["session_store"] is False
        assert server.poll() is None, "the server stopped"
    finally:
        cluster.store.start()
    wait_until_healthy(first, within=20)
    fresh = requests.Session()
    assert log_in_across(fresh, start_on=first, finish_on=second).status_code == 303
    assert Flow(first).is_logged_in(fresh)
