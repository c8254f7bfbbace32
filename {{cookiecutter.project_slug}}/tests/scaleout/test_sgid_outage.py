"""sgID slow or hanging while many people log in: other pages keep answering, and the app
recovers when sgID does.

A callback waiting on sgID holds one of the server's threads. At most MAX_CALLBACKS_IN_FLIGHT
(sgid/adapter.py) wait per worker process; callbacks beyond that get "Singpass is not
responding" at once, so the home page and /healthz always have threads left.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from {{ cookiecutter.package_name }}.sgid.adapter import MAX_CALLBACKS_IN_FLIGHT

from tests.support.cluster import on
from tests.support.http_client import Flow

pytestmark = pytest.mark.scaleout
CALLBACKS = MAX_CALLBACKS_IN_FLIGHT + 8  # more than one worker lets wait on sgID
READ_TIMEOUT = 3.0  # the instance's limits here: a 2 s sgID is slow but within them
CALLBACK_DEADLINE = 5.0
PAGE_BOUND = 2.0  # seconds the home page and /healthz may take meanwhile (a busy CI machine)


@pytest.fixture(scope="module")
def instance(cluster) -> str:
    # One worker process: the worst case for being exhausted.
    (url,) = cluster.start(
        1,
        workers=1,
        SGID_READ_TIMEOUT=str(READ_TIMEOUT),
        SGID_CALLBACK_DEADLINE=str(CALLBACK_DEADLINE),
    )
    return url


def pending_callbacks(url: str, count: int) -> list[tuple[requests.Session, str]]:
    """Logins started and approved at sgID, each in its own browser, callbacks not yet sent."""
    flow, started = Flow(url), []
    for _ in range(count):
        visitor = requests.Session()
        started.append((visitor, on(url, flow.authorize(visitor, flow.start(visitor)))))
    return started


def callbacks_while_probing(url: str, pending) -> tuple[list[tuple[int, float]], float]:
    """Send every callback at once; meanwhile load anonymous pages. Returns each callback's
    (status, seconds) and the slowest anonymous page's seconds."""
    done = threading.Event()
    slowest = 0.0

    def probe() -> None:
        nonlocal slowest
        while not done.is_set():
            for path in ("/", "/healthz"):
                started = time.monotonic()
                assert requests.get(f"{url}{path}", timeout=30).status_code == 200
                slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)

    def callback(visitor: requests.Session, callback_url: str) -> tuple[int, float]:
        started = time.monotonic()
        response = visitor.get(callback_url, allow_redirects=False, timeout=30)
        return response.status_code, time.monotonic() - started

    with ThreadPoolExecutor(len(pending) + 1) as pool:
        prober = pool.submit(probe)
        time.sleep(0.2)  # let the prober run before the callbacks arrive
        results = list(pool.map(lambda p: callback(*p), pending))
        done.set()
        prober.result()
    return results, slowest


def test_slow_sgid_leaves_other_pages_responsive(instance, emulator):
    pending = pending_callbacks(instance, CALLBACKS)
    emulator.faults("token.hang", hang_seconds=2.0)
    results, slowest = callbacks_while_probing(instance, pending)
    statuses = [status for status, _ in results]
    assert set(statuses) <= {303, 503}, statuses
    assert statuses.count(303) >= 1  # slow, not failed: admitted logins complete
    assert statuses.count(303) <= MAX_CALLBACKS_IN_FLIGHT
    assert slowest < PAGE_BOUND, slowest


def test_hanging_sgid_leaves_other_pages_responsive_and_the_app_recovers(instance, emulator):
    pending = pending_callbacks(instance, CALLBACKS)
    emulator.faults("token.hang", hang_seconds=60)
    results, slowest = callbacks_while_probing(instance, pending)
    assert [status for status, _ in results] == [503] * CALLBACKS
    assert max(seconds for _, seconds in results) < CALLBACK_DEADLINE + 1.5
    assert slowest < PAGE_BOUND, slowest

    emulator.admin("POST", "reset")  # sgID is back
    visitor = requests.Session()
    flow = Flow(instance)
    callback = flow.authorize(visitor, flow.start(visitor))
    assert visitor.get(on(instance, callback), allow_redirects=False).status_code == 303
    assert flow.is_logged_in(visitor)
