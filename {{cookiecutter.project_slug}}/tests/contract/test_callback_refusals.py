"""The callback refuses everything that is not the answer to this browser's own login."""

import time

import pytest
import requests

from tests.browser import query
from tests.conftest import DEFAULT_SCOPES

ID_TOKEN_FAULTS = [
    "id_token.bad_signature",
    "id_token.alg_none",
    "id_token.hs256_public_key",
    "id_token.unknown_kid",
    "id_token.wrong_iss",
    "id_token.wrong_aud",
    "id_token.wrong_nonce",
    "id_token.missing_nonce",
    "id_token.expired",
    "id_token.future_iat",
    "id_token.missing_sub",
]
USERINFO_FAULTS = ["userinfo.sub_mismatch"]
if DEFAULT_SCOPES != "openid":  # openid-only logins get no encrypted data to corrupt
    USERINFO_FAULTS += ["userinfo.wrong_key", "userinfo.tampered"]
OUTAGES = ["token.500", "token.html", "token.invalid_json", "userinfo.500", "userinfo.invalid_json"]


def assert_refused(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text[:300]
    assert "text/html" in response.headers["Content-Type"]
    assert "Traceback" not in response.text
    assert 'href="/"' in response.text  # a way forward


def test_state_missing(flow, browser, emulator):
    callback = flow.authorize(browser, flow.start(browser))
    code = query(callback)["code"]
    before = emulator.counts()["token"]
    response = browser.get(f"{flow.app_url}/callback", params={"code": code})
    assert_refused(response, 400)
    assert emulator.counts()["token"] == before
    assert not flow.is_logged_in(browser)


def test_state_from_another_browser_is_refused(flow, browser, emulator):
    """Login CSRF: an attacker's own callback URL opened in the victim's browser."""
    attacker = requests.Session()
    attacker_callback = flow.authorize(attacker, flow.start(attacker))
    flow.start(browser)  # the victim has a login of their own in progress
    before = emulator.counts()["token"]
    assert_refused(browser.get(attacker_callback, allow_redirects=False), 400)
    assert emulator.counts()["token"] == before
    assert not flow.is_logged_in(browser)


def test_callback_without_a_session_cookie(flow, browser, emulator):
    callback = flow.authorize(browser, flow.start(browser))
    before = emulator.counts()["token"]
    assert_refused(requests.get(callback, allow_redirects=False, timeout=10), 400)
    assert emulator.counts()["token"] == before


def test_replayed_callback_is_refused_and_keeps_the_session(flow, browser, emulator):
    callback = flow.authorize(browser, flow.start(browser))
    assert browser.get(callback, allow_redirects=False).status_code == 303
    tokens = emulator.counts()["token"]
    assert_refused(browser.get(callback, allow_redirects=False), 400)
    assert emulator.counts()["token"] == tokens  # the code is never exchanged twice
    assert flow.is_logged_in(browser)


def test_code_from_another_login_is_refused(flow, browser):
    """Code injection: a valid code from someone else's login with this browser's own state."""
    other = requests.Session()
    stolen_code = query(flow.authorize(other, flow.start(other)))["code"]
    own_state = query(flow.authorize(browser, flow.start(browser)))["state"]
    response = browser.get(
        f"{flow.app_url}/callback", params={"code": stolen_code, "state": own_state}
    )
    assert response.status_code in (502, 400)
    assert not flow.is_logged_in(browser)


@pytest.mark.parametrize(
    "params",
    [
        [("code", "a"), ("code", "b"), ("state", "s")],
        [("code", "a"), ("state", "s"), ("state", "t")],
        [("code", "x" * 100_000), ("state", "s")],
        [("code", "a"), ("error", "access_denied"), ("state", "s")],
        [("state", "s")],
    ],
    ids=["duplicate-code", "duplicate-state", "oversized-code", "code-and-error", "neither"],
)
def test_malformed_callbacks_are_refused(flow, browser, emulator, params):
    flow.start(browser)
    before = emulator.counts()["token"]
    response = browser.get(f"{flow.app_url}/callback", params=params)
    assert response.status_code in (400, 414, 431)
    assert emulator.counts()["token"] == before


def test_denied_consent_shows_a_friendly_page(flow, browser, emulator):
    state = query(flow.start(browser))["state"]
    response = browser.get(
        f"{flow.app_url}/callback",
        params={
            "error": "access_denied",
            "error_description": "<script>alert(1)</script>",
            "state": state,
        },
    )
    assert_refused(response, 403)
    assert "<script>alert(1)</script>" not in response.text
    assert emulator.counts()["token"] == 0


@pytest.mark.parametrize("fault", ID_TOKEN_FAULTS + USERINFO_FAULTS)
def test_bad_tokens_and_userinfo_are_refused(flow, browser, emulator, fault):
    emulator.faults(fault)
    assert_refused(flow.log_in(browser), 502)
    assert not flow.is_logged_in(browser)


@pytest.mark.parametrize("fault", OUTAGES)
def test_sgid_errors_give_a_service_unavailable_page(flow, browser, emulator, fault):
    emulator.faults(fault)
    assert_refused(flow.log_in(browser), 503)
    assert not flow.is_logged_in(browser)


def test_signing_key_rotation_keeps_logins_working(flow, browser, emulator):
    assert flow.log_in(browser).status_code == 303
    emulator.rotate_key(keep_old=False)
    time.sleep(1.1)  # past the app's JWKS refetch cooldown (1 s in these tests)
    assert flow.log_in(requests.Session()).status_code == 303
