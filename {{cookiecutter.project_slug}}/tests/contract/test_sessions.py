"""Sessions on every store: ids the server chose, hostile ids harmless, timeouts on the server."""

import base64
import hashlib
import re
import time
import zlib

import pytest
import requests

from tests.support.emulator import DEFAULT_PERSONA, personas
from tests.support.http_client import Flow, query, raw_get
from tests.web.facts import SERVER

COOKIE = "session"  # the development name; production uses __Host-session (test_production.py)
HOSTILE_IDS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "' OR 1=1--",
    "1; DROP TABLE sessions",
    "*\r\nSET x y",  # sent raw: CR LF inside a Cookie header
    "%0d%0aSET%20x%20y",
    "x" * 10_000,
    "é漢字🙂",
    "",
]


def cookie_header(value: str) -> bytes:
    return b"Cookie: " + COOKIE.encode() + b"=" + value.encode("utf-8")


def test_attacker_chosen_session_id_is_ignored(flow, visitor):
    chosen = "attacker-chosen-id-0123456789"
    visitor.cookies.set(COOKIE, chosen)
    response = flow.log_in(visitor)
    assert response.status_code == 303
    assert response.cookies.get(COOKIE) not in (None, "", chosen)
    planted = requests.Session()
    planted.cookies.set(COOKIE, chosen)
    assert not flow.is_logged_in(planted)


# The app's answer to each path, whatever the session cookie holds.
PAGE_STATUS = {"/": 200, "/login": 302, "/callback?code=a&state=b": 400}


def expected_status(value: str, path: str) -> int:
    """Requests the server refuses before the app sees them: a CR LF inside a header (400), and
    under gunicorn a header over its 8,190-byte limit (431; uvicorn's h11 allows 128 kB)."""
    if "\r\n" in value:
        return 400
    if SERVER == "gunicorn" and len(value) > 8190:
        return 431
    return PAGE_STATUS[path]


@pytest.mark.parametrize("value", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
def test_hostile_session_ids_are_harmless(app_url, value):
    for path in PAGE_STATUS:
        status, head = raw_get(f"{app_url}{path}", [cookie_header(value)])
        assert status == expected_status(value, path), (path, status)
        for line in head.split(b"\r\n"):
            if line.lower().startswith(f"set-cookie: {COOKIE}=".encode()):
                # A new session, with an id of the server's choosing.
                assert line.split(b"=", 1)[1].split(b";")[0] not in (b"", value.encode())
    assert requests.get(f"{app_url}/healthz", timeout=10).status_code == 200


def test_logged_in_session_ignores_a_hostile_id_next_to_it(flow, visitor):
    flow.log_in(visitor)
    for value in HOSTILE_IDS[:4]:
        stray = requests.Session()
        stray.cookies.set(COOKIE, value)
        assert not flow.is_logged_in(stray)
    assert flow.is_logged_in(visitor)


@pytest.mark.waits
@pytest.mark.parametrize("instance_url", ["short_lived"], indirect=True)
def test_idle_session_ends_on_the_server(instance_url, visitor):
    flow = Flow(instance_url)  # idle limit 0.9 s
    assert flow.log_in(visitor).status_code == 303
    copied = visitor.cookies.get(COOKIE)
    for _ in range(4):  # activity keeps the session alive past the idle limit
        time.sleep(0.3)
        assert flow.is_logged_in(visitor)
    time.sleep(1.2)
    assert not flow.is_logged_in(visitor)
    replay = requests.Session()  # the cookie as it was while active does not help either
    replay.cookies.set(COOKIE, copied)
    assert not flow.is_logged_in(replay)


@pytest.mark.waits
@pytest.mark.parametrize("instance_url", ["short_absolute"], indirect=True)
def test_absolute_session_limit_ends_even_an_active_session(instance_url, visitor):
    flow = Flow(instance_url)  # 1.08 s
    assert flow.log_in(visitor).status_code == 303
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:  # active all along
        logged_in = flow.is_logged_in(visitor)
        time.sleep(0.2)
    assert not logged_in


def _readable_forms(value: str) -> list[str]:
    """The cookie as a browser or an attacker could read it: raw, and decoded if it decodes."""
    forms = [value]
    for part in re.split(r"[.:|]", value):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        for data in (raw, _inflate(raw)):
            forms.append(data.decode("latin-1"))
    return forms


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_no_personal_data_token_or_verifier_in_any_cookie(flow, visitor):
    persona = personas()[DEFAULT_PERSONA]
    authorize_url = flow.start(visitor)
    challenge = query(authorize_url)["code_challenge"]
    seen = [c.value for c in visitor.cookies]
    callback = flow.authorize(visitor, authorize_url, DEFAULT_PERSONA)
    code = query(callback)["code"]
    response = visitor.get(callback, allow_redirects=False)
    assert response.status_code == 303
    seen += [c.value for c in visitor.cookies]
    secrets_ = [persona["name"], "eyJ", code, *persona["data"].values()]
    for value in seen:
        for text in _readable_forms(value):
            for secret in secrets_:
                if len(secret) >= 4 and secret != "NA":
                    assert secret not in text, f"{secret[:12]!r}... readable in a cookie"
            for candidate in re.findall(r"[A-Za-z0-9._~-]{43,128}", text):
                assert _s256(candidate) != challenge, "the PKCE verifier is readable in a cookie"
