"""Helpers shared by the emulator tests (a plain module: conftest names are not importable).

bench/emulator_throughput.py uses it too (loaded by its file path), so the token exchange and
the emulator's command line have this one home.
"""

import base64
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

CLIENT_ID = "emulator-test-client"
CLIENT_SECRET = "emulator-test-secret"  # noqa: S105 (a test fixture)
REDIRECT_URI = "http://localhost:8765/callback"
SECOND_REDIRECT_URI = "http://localhost:8765/other"  # also registered for CLIENT_ID by the tests
OTHER_CLIENT_ID = "second-client"
OTHER_SECRET = "second-secret"  # noqa: S105
OTHER_REDIRECT = "https://other.example/cb?x=1"
NARROW_CLIENT_ID = "narrow-client"  # may request only openid and myinfo.name
EMULATOR = "sgid_emulator"  # the development-only package beside the app in src/


# The emulator's sgID endpoints (under its issuer): method and path.
ENDPOINTS = {
    "token": ("POST", "/oauth/token"),
    "jwks": ("GET", "/.well-known/jwks.json"),
    "userinfo": ("GET", "/oauth/userinfo"),
}


def jwt_part(compact: str, index: int) -> dict:
    """One base64url JSON part of a compact JWS or JWE (0: the header, 1: a JWT's claims)."""
    part = compact.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def emulator_args(public_key: str, *redirect_uris: str, clients=None) -> list[str]:
    """The emulator's flags for the client CLIENT_ID (public_key: a PEM or a PEM file's path),
    its redirect URIs (REDIRECT_URI when none are given), and a clients file if one is given."""
    args = ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    for uri in redirect_uris or (REDIRECT_URI,):
        args += ["--redirect-uri", uri]
    args += ["--client-public-key", public_key]
    if clients is not None:
        args += ["--clients", str(clients)]
    return args


def token_form(code: str, verifier: str, /, **overrides) -> dict:
    """The token request's form for CLIENT_ID (overrides replace fields; None drops one)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": verifier,
        **overrides,
    }
    return {k: v for k, v in form.items() if v is not None}


class Emulator:
    """One running emulator process and helpers to drive it."""

    def __init__(self, proc, base_url, env, cmd):
        self.proc, self.base_url, self.env, self.cmd = proc, base_url, env, cmd
        self.issuer = base_url + "/v2"

    def url(self, path: str) -> str:
        return self.base_url + path

    def admin(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, self.url("/_emulator" + path), json=body, timeout=10)

    def set_faults(self, *names, hang_seconds=None):
        body = {"faults": list(names)}
        if hang_seconds is not None:
            body["hang_seconds"] = hang_seconds
        r = self.admin("PUT", "/faults", body)
        assert r.status_code == 200, r.text
        return r.json()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_emulator(src: Path, *args: str, env_extra=None) -> Emulator:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SGID_EMULATOR_")}
    env.update({"PYTHONPATH": str(src), **(env_extra or {})})
    cmd = [sys.executable, "-m", EMULATOR, "--port", "0", *args]
    proc = subprocess.Popen(
        cmd, cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()
    if not line.startswith("sgid-emulator listening on "):
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r} {proc.stderr.read()}")
    # Drain stderr in the background so a chatty log never fills the pipe and blocks the server.
    emu = Emulator(proc, line.split()[-1], env, cmd)
    emu.log: list[str] = []
    threading.Thread(target=lambda: emu.log.extend(proc.stderr), daemon=True).start()
    return emu


def authorize(
    emu: Emulator,
    sdk_client,
    scope="openid myinfo.name",
    persona=None,
    nonce="fresh",
    state=None,
    extra="",
):
    """Drive /authorize like a browser; return (code, verifier, nonce, state)."""
    from sgid_client import generate_pkce_pair

    verifier, challenge = generate_pkce_pair()
    if nonce == "fresh":
        nonce = secrets.token_urlsafe(32)
    state = state or secrets.token_urlsafe(16)
    url = sdk_client.authorization_url(challenge, state=state, scope=scope, nonce=nonce).url
    if persona:
        url += "&login_hint=" + persona
    r = requests.get(url + extra, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    query = parse_qs(urlsplit(r.headers["Location"]).query)
    assert query["state"] == [state]
    assert "code" in query, query
    return query["code"][0], verifier, nonce, state


def sdk_client(emu: Emulator, private_pem: str):
    """A new official SDK client for CLIENT_ID (it caches the JWKS for the life of the object)."""
    from sgid_client import SgidClient

    return SgidClient(CLIENT_ID, CLIENT_SECRET, private_pem, REDIRECT_URI, hostname=emu.base_url)


def exchange_code(emu: Emulator, code: str, verifier: str, /, **overrides) -> requests.Response:
    """POST the token request (token_form) to the emulator's token endpoint."""
    form = token_form(code, verifier, **overrides)
    return requests.post(emu.issuer + "/oauth/token", data=form, timeout=10)


def login_tokens(emu: Emulator, sdk_client, scope="openid myinfo.name") -> tuple[dict, str]:
    """Authorize and exchange the code by hand: (the token endpoint's answer, the nonce sent)."""
    code, verifier, nonce, _ = authorize(emu, sdk_client, scope)
    r = exchange_code(emu, code, verifier)
    assert r.status_code == 200, r.text
    return r.json(), nonce


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
