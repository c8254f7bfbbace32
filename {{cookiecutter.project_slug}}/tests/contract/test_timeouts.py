"""sgID slow, stalled, trickling or down: every call is bounded, the user gets a page in time,
no code reuse.

Most tests run with small limits (conftest: connect 0.5 s, read 1 s, whole callback 1.5 s); in
production they are 3 s, 10 s and 15 s, and the settings cannot raise them. The trickle tests
at the end also run at those defaults, on an app instance of their own.
"""

import time

import pytest
import requests

from tests.support.http_client import Flow, query
from tests.support.instances import (
    CALLBACK_DEADLINE,
    JWKS_REFRESH_COOLDOWN,
    READ_TIMEOUT,
    own_instance,
)

# Each test here waits on purpose for a limit to pass; the quick check leaves them out.
pytestmark = pytest.mark.waits

SLACK = 1.0  # seconds for the app's own work on a busy test machine


def timed_callback(flow: Flow, visitor: requests.Session) -> tuple[requests.Response, float]:
    callback = flow.authorize(visitor, flow.start(visitor))
    started = time.monotonic()
    response = visitor.get(callback, allow_redirects=False, timeout=30)
    return response, time.monotonic() - started


@pytest.mark.parametrize("endpoint", ["token", "userinfo"])
def test_a_stalled_call_times_out(flow, visitor, emulator, endpoint):
    emulator.faults(f"{endpoint}.hang", hang_seconds=3)
    response, elapsed = timed_callback(flow, visitor)
    assert response.status_code == 503 and "Traceback" not in response.text
    assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + SLACK
    assert emulator.counts()["token"] == 1  # the code is never sent twice
    assert not flow.is_logged_in(visitor)


def test_slow_calls_share_one_deadline(flow, visitor, emulator):
    """Each call is under the read timeout, but together they pass the callback's deadline."""
    emulator.faults("token.hang", "userinfo.hang", hang_seconds=READ_TIMEOUT * 0.8)
    response, elapsed = timed_callback(flow, visitor)
    assert response.status_code == 503
    assert CALLBACK_DEADLINE * 0.9 <= elapsed < CALLBACK_DEADLINE + SLACK
    assert emulator.counts()["token"] == 1


def test_a_slow_sgid_within_the_limits_still_logs_in(flow, visitor, emulator):
    emulator.faults("token.hang", hang_seconds=READ_TIMEOUT * 0.3)
    response, _ = timed_callback(flow, visitor)
    assert response.status_code == 303
    assert flow.is_logged_in(visitor)


@pytest.mark.parametrize("instance_url", ["sgid_down"], indirect=True)
def test_sgid_down_gives_a_page_at_once(instance_url, visitor, emulator):
    """Nothing listens where this instance expects sgID: connection refused, a 503 page."""
    flow = Flow(instance_url)
    authorize_url = flow.start(visitor)
    # Finish the authorization at the emulator, as if sgID had been up a moment ago.
    real = emulator.base_url + "/v2/oauth/authorize?" + authorize_url.split("?", 1)[1]
    callback = flow.authorize(visitor, real)
    assert query(callback)["code"]
    started = time.monotonic()
    response = visitor.get(callback, allow_redirects=False, timeout=30)
    assert response.status_code == 503 and "Traceback" not in response.text
    assert time.monotonic() - started < SLACK
    assert not flow.is_logged_in(visitor)


def test_stalled_jwks_is_bounded_too(flow, visitor, emulator):
    emulator.rotate_key(keep_old=False)  # the next login needs the JWKS again
    time.sleep(JWKS_REFRESH_COOLDOWN + 0.1)
    emulator.faults("jwks.hang", hang_seconds=3)
    response, elapsed = timed_callback(flow, visitor)
    # Without sgID's keys the ID token cannot be checked: refused rather than unavailable.
    assert response.status_code == 502
    assert elapsed < CALLBACK_DEADLINE + SLACK


# A byte every TRICKLE seconds: each read is well inside the read timeout, yet the answer, a
# few hundred bytes, would take minutes.
TRICKLE = READ_TIMEOUT * 0.3


@pytest.mark.parametrize("mode", ["trickle", "trickle_head"])
@pytest.mark.parametrize("endpoint", ["token", "jwks", "userinfo"])
def test_a_trickled_answer_is_cut_off_at_the_deadline(flow, visitor, emulator, endpoint, mode):
    """trickle: headers at once, then the body; trickle_head: from the status line on."""
    if endpoint == "jwks":
        emulator.rotate_key(keep_old=False)  # the next login needs the JWKS again
        time.sleep(JWKS_REFRESH_COOLDOWN + 0.1)
    emulator.faults(f"{endpoint}.{mode}", hang_seconds=TRICKLE)
    response, elapsed = timed_callback(flow, visitor)
    # Without sgID's keys the ID token cannot be checked: refused rather than unavailable.
    assert response.status_code == (502 if endpoint == "jwks" else 503)
    assert "Traceback" not in response.text
    assert elapsed < CALLBACK_DEADLINE + SLACK
    assert emulator.counts()["token"] == 1
    assert not flow.is_logged_in(visitor)


DEFAULT_DEADLINE = 15.0  # config's SGID_CALLBACK_DEADLINE default (connect 3 s, read 10 s)


@pytest.fixture(scope="module")
def default_limits(workdir, app_env):
    """An app instance with the default sgID limits: the test limits removed from app_env."""
    limits = ("SGID_CONNECT_TIMEOUT", "SGID_READ_TIMEOUT", "SGID_CALLBACK_DEADLINE")
    yield from own_instance(workdir / "app-default-limits.log", app_env, **dict.fromkeys(limits))


@pytest.mark.parametrize(("endpoint", "mode"), [("token", "trickle"), ("userinfo", "trickle_head")])
def test_at_the_default_limits_a_trickle_ends_at_the_deadline(
    default_limits, emulator, endpoint, mode
):
    """sgID sending a byte every 4 s held a callback 44 s; now the deadline is on the wall clock."""
    flow, visitor = Flow(default_limits[0]), requests.Session()
    emulator.faults(f"{endpoint}.{mode}", hang_seconds=4)
    callback = flow.callback_here(visitor)
    started = time.monotonic()
    response = visitor.get(callback, allow_redirects=False, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and "Traceback" not in response.text
    assert DEFAULT_DEADLINE * 0.9 <= elapsed < DEFAULT_DEADLINE + 1.0, elapsed
    assert emulator.counts()["token"] == 1
