"""The session store goes silent with its connections open (every one of its processes stopped,
as a stalled VM or disk would be): every page is still answered within 2 s, and when the store
wakes up the sessions are intact and logins work, with no restart of the app."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from {{ cookiecutter.package_name }}.config import SESSION_STORE

from tests.support.cluster import log_in_across, timed_get
from tests.support.http_client import Flow

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(SESSION_STORE == "cookie", reason="the cookie store has no server"),
]
BOUND = 2.0  # seconds any page may take while the store is silent
FROZEN_FOR = 10.0  # seconds the store stays silent
# Pages a logged-in visitor opens; the home page needs the session on every framework, the
# others may answer without it on some (a login in progress lives in its own cookie).
PAGES = ("/", "/login", "/callback?code=abc&state=def")


def assert_answered_in_time(
    response: requests.Response, took: float, where: str, needs_session: bool = True
) -> None:
    assert took < BOUND, (where, took)
    assert "Log out" not in response.text  # never treated as logged in
    if needs_session or response.status_code >= 500:
        assert response.status_code == 503, (where, response.status_code)
        assert "We cannot open your session right now" in response.text
        assert 0 < int(response.headers["Retry-After"]) <= 120


def test_a_silent_store_is_answered_within_2_s_and_recovers(pair, cluster, visitor):
    first, second = pair
    assert log_in_across(visitor, start_on=first, finish_on=second).status_code == 303
    assert Flow(first).is_logged_in(visitor)
    for url in pair:  # every instance has used the store: its connections are open
        assert requests.get(f"{url}/healthz", timeout=5).status_code == 200

    slowest = 0.0
    cluster.store.freeze()
    frozen_at = time.monotonic()
    try:
        # Many visitors at once, logged in and not: each waits at most BOUND, however many.
        with ThreadPoolExecutor(24) as pool:
            crowd = list(
                pool.map(
                    lambda index: timed_get(visitor, f"{pair[index % 2]}/"),
                    range(24),
                )
            )
        for response, took in crowd:
            assert_answered_in_time(response, took, "a crowd on /")
            slowest = max(slowest, took)
        while time.monotonic() - frozen_at < FROZEN_FOR:
            for url in pair:
                for path in PAGES:
                    response, took = timed_get(visitor, f"{url}{path}")
                    assert_answered_in_time(response, took, f"{url}{path}", path == "/")
                    slowest = max(slowest, took)
                # A new visitor: the home page needs no session; others may answer 503.
                response, took = timed_get(requests.Session(), f"{url}/")
                assert (response.status_code, took < BOUND) == (200, True), (url, took)
                assert "Log out" not in response.text
                response, took = timed_get(requests.Session(), f"{url}/healthz")
                assert (response.status_code, took < BOUND) == (503, True), (url, took)
                assert response.json()["status"] == "degraded"
            time.sleep(0.2)
    finally:
        cluster.store.thaw()
    thawed_at = time.monotonic()

    recovered = 0.0
    for url in pair:
        while requests.get(f"{url}/healthz", timeout=5).status_code != 200:
            assert time.monotonic() - thawed_at < 10, f"{url} did not recover within 10 s"
            time.sleep(0.1)
        recovered = max(recovered, time.monotonic() - thawed_at)
    print(f"\nslowest answer while silent {slowest:.2f} s; healthy again after {recovered:.2f} s")

    # No restart: the session from before the freeze is intact on both instances...
    for url in pair:
        response, _ = timed_get(visitor, f"{url}/")
        assert response.status_code == 200, (url, response.status_code)
        assert Flow(url).is_logged_in(visitor)
    # ...and a new login works, across instances.
    fresh = requests.Session()
    assert log_in_across(fresh, start_on=second, finish_on=first).status_code == 303
    assert Flow(second).is_logged_in(fresh)
