"""Every strictness rule answers with its documented RFC 6749 / 7636 / 6750 error."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from emuhelp import (
    CLIENT_ID,
    NARROW_CLIENT_ID,
    REDIRECT_URI,
    SECOND_REDIRECT_URI,
    authorize,
    exchange_code,
    sdk_client,
    start_emulator,
)
from sgid_client import generate_pkce_pair

CHALLENGE = generate_pkce_pair()[1]


def _authorize_params(**overrides):
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid myinfo.name",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "state": "st-123",
        "nonce": "n-1",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _get_authorize(emu, params, raw_query=None):
    query = raw_query if raw_query is not None else urlencode(params)
    return requests.get(f"{emu.issuer}/oauth/authorize?{query}", allow_redirects=False, timeout=10)


def _redirect_error(r):
    assert r.status_code == 302, r.text
    location = r.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    q = parse_qs(urlsplit(location).query)
    assert "code" not in q
    return q


def _token(emu, **form):
    return requests.post(emu.issuer + "/oauth/token", data=form, timeout=10)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "myinfo.name"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"scope": "openid myinfo.unknown"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
    ],
    ids=[
        "response_type",
        "no_response_type",
        "no_openid",
        "no_scope",
        "unknown_scope",
        "plain_pkce",
        "no_challenge_method",
        "missing_challenge",
        "bad_challenge",
    ],
)
def test_authorize_errors_redirect_with_state(emulator, overrides, error):
    q = _redirect_error(_get_authorize(emulator, _authorize_params(**overrides)))
    assert q["error"] == [error]
    assert q["error_description"][0]
    assert q["state"] == ["st-123"]


def test_scope_not_allowed_for_client(emulator):
    params = _authorize_params(client_id=NARROW_CLIENT_ID, scope="openid myinfo.email")
    assert _redirect_error(_get_authorize(emulator, params))["error"] == ["invalid_scope"]
    ok = _get_authorize(emulator, _authorize_params(client_id=NARROW_CLIENT_ID))
    assert "code" in parse_qs(urlsplit(ok.headers["Location"]).query)


def test_duplicate_param_is_invalid_request(emulator):
    query = urlencode(_authorize_params()) + "&scope=openid"
    assert _redirect_error(_get_authorize(emulator, {}, query))["error"] == ["invalid_request"]


def test_state_is_optional(emulator):
    r = _get_authorize(emulator, _authorize_params(state=None))
    q = parse_qs(urlsplit(r.headers["Location"]).query)
    assert "code" in q and "state" not in q


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "nobody"},
        {"client_id": None},
        {"redirect_uri": "http://localhost:8765/evil"},
        {"redirect_uri": REDIRECT_URI + "/"},
        {"redirect_uri": None},
    ],
    ids=["unknown_client", "no_client", "wrong_redirect", "trailing_slash", "no_redirect"],
)
def test_bad_client_or_redirect_shows_page_never_redirects(emulator, overrides):
    r = _get_authorize(emulator, _authorize_params(**overrides))
    assert r.status_code == 400
    assert "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")


def test_wrong_verifier_then_code_is_burnt(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk)
    other_verifier = generate_pkce_pair()[0]
    r = exchange_code(emulator, code, other_verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = exchange_code(emulator, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_malformed_verifier(emulator, sdk):
    code, _, _, _ = authorize(emulator, sdk)
    r = exchange_code(emulator, code, "too-short")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_reused_code_revokes_its_token(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk)
    first = exchange_code(emulator, code, verifier)
    assert first.status_code == 200
    again = exchange_code(emulator, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    r = requests.get(
        emulator.issuer + "/oauth/userinfo",
        timeout=10,
        headers={"Authorization": "Bearer " + first.json()["access_token"]},
    )
    assert r.status_code == 401


def test_wrong_redirect_uri_at_token(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk)
    r = exchange_code(emulator, code, verifier, redirect_uri=SECOND_REDIRECT_URI)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_code_bound_to_client(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk)
    r = exchange_code(
        emulator, code, verifier, client_id=NARROW_CLIENT_ID, client_secret="narrow-secret"
    )  # noqa: S106
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"client_secret": None}, 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"code_verifier": None}, 400, "invalid_request"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
    ],
    ids=[
        "wrong_secret",
        "unknown_client",
        "no_secret",
        "grant_type",
        "no_grant_type",
        "no_verifier",
        "unknown_code",
    ],
)
def test_token_errors(emulator, sdk, overrides, status, error):
    code, verifier, _, _ = authorize(emulator, sdk)
    r = exchange_code(emulator, code, verifier, **overrides)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert r.json()["error_description"]


def test_token_requires_form_post(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk)
    r = requests.post(
        emulator.issuer + "/oauth/token",
        timeout=10,
        json={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.get(emulator.issuer + "/oauth/token", timeout=10)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer "],
    ids=["missing", "empty", "unknown", "basic", "blank"],
)
def test_bad_bearer(emulator, header):
    headers = {"Authorization": header} if header is not None else {}
    r = requests.get(emulator.issuer + "/oauth/userinfo", headers=headers, timeout=10)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert r.json()["error"] == "invalid_token"


@pytest.fixture(scope="module")
def short_lived(emulator_src, emulator_args):
    emu = start_emulator(
        emulator_src,
        *emulator_args,
        "--auto-approve",
        "mary",
        "--code-ttl",
        "1",
        "--token-ttl",
        "1",
    )
    yield emu
    emu.stop()


def test_expired_code_and_token(short_lived, client_key):
    sdk = sdk_client(short_lived, client_key[0])
    stale, stale_verifier, _, _ = authorize(short_lived, sdk)
    fresh, fresh_verifier, _, _ = authorize(short_lived, sdk)
    token = exchange_code(short_lived, fresh, fresh_verifier).json()["access_token"]
    time.sleep(1.2)
    r = exchange_code(short_lived, stale, stale_verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = requests.get(
        short_lived.issuer + "/oauth/userinfo",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
