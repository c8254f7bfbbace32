"""A few hundred malformed requests over every endpoint: never a 5xx, never a dead process."""

import json
import random
import socket
from urllib.parse import urlsplit

import requests
from emuhelp import authorize

PATHS = [
    "/v2/oauth/authorize",
    "/v2/oauth/token",
    "/v2/oauth/userinfo",
    "/v2/.well-known/jwks.json",
    "/v2/.well-known/openid-configuration",
    "/_emulator/state",
    "/_emulator/faults",
    "/_emulator/rotate-key",
    "/_emulator/auto-approve",
    "/_emulator/reset",
    "/_emulator/personas",
    "/_emulator/static/emulator.css",
    "//v2/oauth/token",
    "/v2/../etc",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "get"]
PARAMS = [
    "client_id",
    "redirect_uri",
    "scope",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "state",
    "nonce",
    "code",
    "code_verifier",
    "grant_type",
    "client_secret",
    "request_id",
    "persona",
    "action",
    "login_hint",
]
JUNK = [
    "%",
    "%zz",
    "%ff%fe",
    "%00",
    "\x00",
    "a" * 5000,
    "%E2%82",
    "+",
    "=",
    "&&",
    "é",
    "🙂",
    "openid",
    "S256",
    "plain",
    "code",
    "authorization_code",
    "null",
    "[]",
    "{",
]


def _raw(host: str, port: int, data: bytes) -> int | None:
    """Send raw bytes, return the status code (None when the server just hangs up)."""
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(data)
        try:
            first = s.makefile("rb").readline()
        except (ConnectionResetError, TimeoutError):
            return None
    if not first:
        return None
    if not first.startswith(b"HTTP/"):
        return 0  # an HTTP/0.9-style answer (body only) to an HTTP/0.9-style request
    return int(first.split()[1])


def _random_query(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 8)):
        name = rng.choice(PARAMS + JUNK)
        parts.append(f"{name}={rng.choice(JUNK + PARAMS)}")
        if rng.random() < 0.2:
            parts.append(parts[-1])  # duplicate
    return "&".join(parts)


def test_fuzz(emulator, sdk):
    rng = random.Random(20240611)  # noqa: S311 (reproducible junk, not secrets)
    host, port = urlsplit(emulator.base_url).hostname, urlsplit(emulator.base_url).port
    statuses = []
    # Structured junk through a real client.
    session = requests.Session()
    for _ in range(250):
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
        path = rng.choice(PATHS)
        query = _random_query(rng)
        kind = rng.random()
        kwargs = {}
        if kind < 0.3:
            kwargs["data"] = _random_query(rng).encode("utf-8", "replace")
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
        elif kind < 0.5:
            kwargs["data"] = rng.choice(
                [
                    b"{",
                    b"[]",
                    b"null",
                    b'{"faults": [1]}',
                    b"\x00\xff",
                    b'{"faults": "x"}',
                    b'{"keep_old": null}',
                    b'{"persona": 5}',
                    b"[" * 5000,
                    b"x" * 70000,
                ]
            )
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif kind < 0.6:
            kwargs["headers"] = {
                "Authorization": rng.choice(
                    ["Bearer", "Bearer \x7f", "Basic ", "Bearer " + "a" * 5000, "bearer  x y"]
                )
            }
        url = emulator.base_url + path + ("?" + query if query else "")
        try:
            r = session.request(method, url, timeout=5, allow_redirects=False, **kwargs)
            statuses.append((r.status_code, method, path))
        except requests.ConnectionError:
            session = requests.Session()  # the server hung up on an oversized body: fine
    # Broken HTTP through a raw socket.
    raw_cases = [
        b"GET /v2/oauth/authorize?%zz=%%%&client_id=\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"BREW /v2/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /v2/.well-known/jwks.json HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET /v2/.well-known/jwks.json HTTP/9.9\r\n\r\n",
        b"GET /v2/oauth/userinfo HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET /v2/oauth/userinfo HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
        b"POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4"
        b"\r\n\r\nabc",
        b"POST /v2/oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n",
        b"POST /_emulator/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\xff\xfe\x00{[",
        b"PUT /_emulator/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\xff\xfe\x00{[",
        b"\x00\x01\x02\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: \x00\r\n\r\n",
        b"POST /v2/oauth/authorize HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"
        b"\r\nContent-Length: 19\r\n\r\nrequest_id=%ff%00xx",
    ]
    for data in raw_cases:
        status = _raw(host, port, data)
        if status is not None:
            statuses.append((status, "raw", data[:40]))
    assert len(statuses) >= 250
    bad = [s for s in statuses if s[0] >= 500]
    assert not bad, bad[:5]
    assert emulator.proc.poll() is None
    assert not any("Traceback" in line for line in emulator.log), "".join(emulator.log)[-3000:]
    # And it still works.
    emulator.admin("POST", "/reset")
    code, verifier, nonce, _ = authorize(emulator, sdk)
    sub, _, token = sdk.callback(code, verifier, nonce)
    assert sdk.userinfo(sub, token).sub == sub
    assert json.loads(requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=5).text)


def test_log_lines_hold_no_secrets(emulator, sdk):
    code, verifier, nonce, state = authorize(emulator, sdk)
    sub, _, token = sdk.callback(code, verifier, nonce)
    sdk.userinfo(sub, token)
    import time

    time.sleep(0.2)  # let the stderr reader catch up
    log = "".join(emulator.log)
    for secret in (code, verifier, nonce, state, token, sdk.client_secret):
        assert secret not in log
    assert "GET /v2/oauth/authorize 302" in log and "POST /v2/oauth/token 200" in log
