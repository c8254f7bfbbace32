"""The callback refuses everything that is not the answer to this browser's own login."""

import time

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES

from tests.support.http_client import Flow, assert_refused, query
from tests.support.instances import JWKS_REFRESH_COOLDOWN, SHORT_TTL
from tests.web.facts import SERVER

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
    "id_token.missing_iat",
    "id_token.missing_exp",
    "id_token.extra_aud",
    "id_token.embedded_jwk",
    "id_token.future_nbf",
]
USERINFO_FAULTS = ["userinfo.sub_mismatch", "userinfo.401", "userinfo.wrong_shape"]
if DEFAULT_SCOPES != "openid":  # openid-only logins get no encrypted data to corrupt
    USERINFO_FAULTS += ["userinfo.wrong_key", "userinfo.tampered", "userinfo.plain"]
# sgID answers that are refusals of this login (a 4xx, or a 200 that cannot be right).
TOKEN_REFUSALS = ["token.no_id_token", "token.401", "token.wrong_shape", "token.redirect"]
OUTAGES = [
    "token.500",
    "token.html",
    "token.invalid_json",
    "token.garbage",
    "token.oversized",
    "userinfo.500",
    "userinfo.invalid_json",
    "userinfo.garbage",
    "userinfo.oversized",
]


def test_state_mismatched(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    code = query(callback)["code"]
    response = visitor.get(f"{flow.app_url}/callback", params={"code": code, "state": "x" * 43})
    assert_refused(response, 400)
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(visitor)


@pytest.mark.waits
@pytest.mark.parametrize("instance_url", ["short_ttl"], indirect=True)
def test_state_expired(instance_url, visitor, emulator):
    """A login finished after the login TTL is refused (TTL of 1 s in this app instance)."""
    flow = Flow(instance_url)
    callback = flow.authorize(visitor, flow.start(visitor))
    time.sleep(int(SHORT_TTL["LOGIN_TTL_SECONDS"]) + 0.1)
    assert_refused(visitor.get(callback, allow_redirects=False), 400)
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(visitor)


def test_state_missing(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    code = query(callback)["code"]
    before = emulator.counts()["token"]
    response = visitor.get(f"{flow.app_url}/callback", params={"code": code})
    assert_refused(response, 400)
    assert emulator.counts()["token"] == before
    assert not flow.is_logged_in(visitor)


def test_state_from_another_browser_is_refused(flow, visitor, emulator):
    """Login CSRF: an attacker's own callback URL opened in the victim's browser."""
    attacker = requests.Session()
    attacker_callback = flow.authorize(attacker, flow.start(attacker))
    flow.start(visitor)  # the victim has a login of their own in progress
    before = emulator.counts()["token"]
    assert_refused(visitor.get(attacker_callback, allow_redirects=False), 400)
    assert emulator.counts()["token"] == before
    assert not flow.is_logged_in(visitor)


def test_callback_without_a_session_cookie(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    before = emulator.counts()["token"]
    response = requests.get(callback, allow_redirects=False, timeout=10)
    assert_refused(response, 400)
    assert emulator.counts()["token"] == before
    assert "Set-Cookie" not in response.headers, "a stray callback created a session"


def test_replayed_callback_is_refused_and_keeps_the_session(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    assert visitor.get(callback, allow_redirects=False).status_code == 303
    tokens = emulator.counts()["token"]
    assert_refused(visitor.get(callback, allow_redirects=False), 400)
    assert emulator.counts()["token"] == tokens  # the code is never exchanged twice
    assert flow.is_logged_in(visitor)


def test_code_from_another_login_is_refused(flow, visitor):
    """Code injection: a valid code from someone else's login with this browser's own state."""
    other = requests.Session()
    stolen_code = query(flow.authorize(other, flow.start(other)))["code"]
    own_state = query(flow.authorize(visitor, flow.start(visitor)))["state"]
    response = visitor.get(
        f"{flow.app_url}/callback", params={"code": stolen_code, "state": own_state}
    )
    assert response.status_code == 502  # sgID refuses the code: its PKCE verifier is not ours
    assert not flow.is_logged_in(visitor)


# Each is built from this browser's real code and state, so only the malformation can refuse it.
MALFORMED = {
    "duplicate-code": lambda c, s: [("code", c), ("code", c), ("state", s)],
    "duplicate-state": lambda c, s: [("code", c), ("state", s), ("state", s)],
    # Longer than any real value, yet short enough to pass any server's request-line limit.
    "oversized-code": lambda c, s: [("code", c + "x" * 3_000), ("state", s)],
    "oversized-state": lambda c, s: [("code", c), ("state", s + "x" * 3_000)],
    "huge-code": lambda c, s: [("code", c + "x" * 100_000), ("state", s)],
    "code-and-error": lambda c, s: [("code", c), ("error", "access_denied"), ("state", s)],
    "neither": lambda c, s: [("state", s)],
    "nul-byte": lambda c, s: [("code", c + "\x00"), ("state", s)],
    "empty-code": lambda c, s: [("code", ""), ("state", s)],
    "no-state": lambda c, s: [("code", c)],
    "empty-state": lambda c, s: [("code", c), ("state", "")],
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_callbacks_are_refused(flow, visitor, emulator, name):
    real = query(flow.authorize(visitor, flow.start(visitor)))
    params = MALFORMED[name](real["code"], real["state"])
    response = visitor.get(f"{flow.app_url}/callback", params=params)
    # gunicorn refuses a request line over 4,094 bytes itself; otherwise the app refuses it.
    assert response.status_code == (414 if name == "huge-code" and SERVER == "gunicorn" else 400)
    assert "Traceback" not in response.text
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(visitor)


@pytest.mark.parametrize(
    "query_string", ["code=%zz&state=%", "code=%C0%AF&state=%FF%FE", "code=a&state=s&state"]
)
def test_broken_percent_encoding_is_refused(flow, visitor, emulator, query_string):
    flow.start(visitor)
    response = visitor.get(f"{flow.app_url}/callback?{query_string}", allow_redirects=False)
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert emulator.counts()["token"] == 0


def test_callback_by_post_is_refused(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    response = visitor.post(callback, data=query(callback), allow_redirects=False)
    assert 400 <= response.status_code < 500 and "Traceback" not in response.text
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(visitor)


def test_denied_consent_shows_a_friendly_page(flow, visitor, emulator):
    state = query(flow.start(visitor))["state"]
    response = visitor.get(
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
    # The attempt was used up: the same state cannot be used again.
    again = visitor.get(
        f"{flow.app_url}/callback", params={"error": "access_denied", "state": state}
    )
    assert_refused(again, 400)


@pytest.mark.parametrize("error", ["login_required", "server_error", "<b>x</b>"])
def test_other_sgid_errors_show_an_escaped_page(flow, visitor, emulator, error):
    state = query(flow.start(visitor))["state"]
    response = visitor.get(
        f"{flow.app_url}/callback",
        params={
            "error": error,
            "error_description": "<img src=x onerror=alert(1)>",
            "state": state,
        },
    )
    assert_refused(response, 400)
    assert "<img src=x" not in response.text and "<b>x</b>" not in response.text
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(visitor)


def refused_login(flow, visitor, emulator, fault: str, status: int) -> dict[str, int]:
    """A login while sgID gives `fault`: refused with `status`, nobody logged in.

    Returns how many requests each of sgID's endpoints has had.
    """
    emulator.faults(fault)
    assert_refused(flow.log_in(visitor), status)
    assert not flow.is_logged_in(visitor)
    return emulator.counts()


@pytest.mark.parametrize("fault", ID_TOKEN_FAULTS + USERINFO_FAULTS)
def test_bad_tokens_and_userinfo_are_refused(flow, visitor, emulator, fault):
    refused_login(flow, visitor, emulator, fault, 502)


@pytest.mark.parametrize("fault", TOKEN_REFUSALS)
def test_bad_token_answers_are_refused(flow, visitor, emulator, fault):
    counts = refused_login(flow, visitor, emulator, fault, 502)
    assert counts["token"] == 1  # never retried with the same code
    assert counts["userinfo"] == 0


@pytest.mark.parametrize("fault", OUTAGES)
def test_sgid_errors_give_a_service_unavailable_page(flow, visitor, emulator, fault):
    counts = refused_login(flow, visitor, emulator, fault, 503)
    assert counts["token"] == 1  # never retried with the same code


@pytest.mark.waits
def test_signing_key_rotation_keeps_logins_working(flow, visitor, emulator):
    assert flow.log_in(visitor).status_code == 303
    emulator.rotate_key(keep_old=False)
    time.sleep(JWKS_REFRESH_COOLDOWN + 0.1)  # past the app's JWKS refetch cooldown
    assert flow.log_in(requests.Session()).status_code == 303
