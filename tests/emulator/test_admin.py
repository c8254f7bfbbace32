"""The loopback-only admin API: state, faults, key rotation, auto-approve, reset."""

import importlib
import socket

import pytest
import requests
from emuhelp import (
    EMULATOR,
    authorize,
    jwt_part,
    sdk_client,
    start_emulator,
)


def test_state_and_counts(emulator, sdk):
    state = emulator.admin("GET", "/state").json()
    assert state["faults"] == [] and state["auto_approve"] == "denise"
    assert state["counts"] == dict.fromkeys(
        ["authorize", "token", "userinfo", "jwks", "openid_configuration"], 0
    )
    assert len(state["kids"]) == 1
    code, verifier, nonce, _ = authorize(emulator, sdk)
    sub, _, token = sdk.callback(code, verifier, nonce)
    sdk.userinfo(sub, token)
    requests.get(emulator.issuer + "/.well-known/openid-configuration", timeout=10)
    counts = emulator.admin("GET", "/state").json()["counts"]
    assert counts == {
        "authorize": 1,
        "token": 1,
        "userinfo": 1,
        "jwks": 1,
        "openid_configuration": 1,
    }


def test_faults_put_replace_delete_and_validate(emulator):
    state = emulator.set_faults("token.500", "id_token.expired", hang_seconds=7)
    assert sorted(state["faults"]) == ["id_token.expired", "token.500"]
    assert state["hang_seconds"] == 7
    state = emulator.set_faults("jwks.html")
    assert state["faults"] == ["jwks.html"]
    r = emulator.admin("PUT", "/faults", {"faults": ["id_token.nope"]})
    assert r.status_code == 400
    assert "id_token.nope" in r.json()["error_description"]
    assert "id_token.bad_signature" in r.json()["error_description"]  # lists the valid ones
    assert emulator.admin("GET", "/state").json()["faults"] == ["jwks.html"]
    for bad in (
        {"faults": "token.500"},
        {"faults": [1]},
        {"faults": [], "hang_seconds": -1},
        {"faults": [], "hang_seconds": "3"},
    ):
        assert emulator.admin("PUT", "/faults", bad).status_code == 400
    assert emulator.admin("DELETE", "/faults").json()["faults"] == []


def test_reset_restores_start_values(emulator):
    emulator.set_faults("token.500")
    assert emulator.admin("PUT", "/auto-approve", {"persona": None}).json()["auto_approve"] is None
    requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10)
    state = emulator.admin("POST", "/reset").json()
    assert state["faults"] == [] and state["auto_approve"] == "denise"
    assert state["counts"]["jwks"] == 0


def test_auto_approve_switch(emulator, sdk):
    assert emulator.admin("PUT", "/auto-approve", {"persona": "wei"}).status_code == 200
    code, verifier, nonce, _ = authorize(emulator, sdk)
    sub = sdk.callback(code, verifier, nonce).sub
    code, verifier, nonce, _ = authorize(emulator, sdk, persona="wei")
    assert sdk.callback(code, verifier, nonce).sub == sub
    code, verifier, nonce, _ = authorize(emulator, sdk, persona="denise")
    assert sdk.callback(code, verifier, nonce).sub != sub
    r = emulator.admin("PUT", "/auto-approve", {"persona": "nobody"})
    assert r.status_code == 400 and "denise" in r.json()["error_description"]
    assert emulator.admin("PUT", "/auto-approve", {}).status_code == 400


def test_unknown_login_hint_is_an_error(emulator, sdk):
    from urllib.parse import parse_qs, urlsplit

    from sgid_client import generate_pkce_pair

    url = sdk.authorization_url(generate_pkce_pair()[1], state="s", nonce="n").url
    r = requests.get(url + "&login_hint=nobody", allow_redirects=False, timeout=10)
    assert parse_qs(urlsplit(r.headers["Location"]).query)["error"] == ["invalid_request"]


def test_personas_listing(emulator, personas):
    listed = emulator.admin("GET", "/personas").json()
    assert listed == [{"id": p["id"], "name": p["name"]} for p in personas]


@pytest.mark.parametrize("keep_old", [True, False])
def test_key_rotation(emulator, client_key, keep_old):
    def fresh():
        return sdk_client(emulator, client_key[0])

    old_kids = emulator.admin("GET", "/state").json()["kids"]
    sdk = fresh()
    code, verifier, nonce, _ = authorize(emulator, sdk)
    _, old_token, _ = sdk.callback(code, verifier, nonce)  # caches the old JWKS
    r = emulator.admin("POST", "/rotate-key", {"keep_old": keep_old})
    assert r.status_code == 200
    new_kid = r.json()["kid"]
    assert new_kid not in old_kids
    jwks = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()
    kids = [k["kid"] for k in jwks["keys"]]
    assert kids == (old_kids + [new_kid] if keep_old else [new_kid])
    assert emulator.admin("GET", "/state").json()["kids"] == kids
    # New tokens carry the new kid; the SDK refetches the JWKS on a miss and accepts them.
    code, verifier, nonce, _ = authorize(emulator, sdk)
    _, new_token, _ = sdk.callback(code, verifier, nonce)
    assert jwt_part(new_token, 0)["kid"] == new_kid
    # A token signed by the old key verifies only while that key is still published.
    verifier_ = fresh().verifier
    if keep_old:
        verifier_.verify_jwt(old_token)
    else:
        with pytest.raises(Exception, match="signature is invalid"):
            verifier_.verify_jwt(old_token)
    assert emulator.admin("POST", "/rotate-key", {"keep_old": "yes"}).status_code == 400


def test_loopback_rule(emulator_src):
    is_loopback = importlib.import_module(f"{EMULATOR}.admin").is_loopback
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.5") and not is_loopback("192.168.1.2")
    assert not is_loopback("not-an-ip")


def _own_non_loopback_ip():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip  # noqa: S104


def test_admin_refuses_non_loopback_peer(emulator_src, emulator_args):
    ip = _own_non_loopback_ip()
    if ip is None:
        pytest.skip("no non-loopback interface on this machine")
    emu = start_emulator(emulator_src, *emulator_args, "--host", "0.0.0.0")  # noqa: S104
    try:
        port = emu.base_url.rsplit(":", 1)[1]
        r = requests.get(f"http://{ip}:{port}/_emulator/state", timeout=5)
        assert r.status_code == 403
        r = requests.get(f"http://{ip}:{port}/v2/.well-known/jwks.json", timeout=5)
        assert r.status_code == 200  # the sgID endpoints themselves answer anyone
        r = requests.get(f"http://127.0.0.1:{port}/_emulator/state", timeout=5)
        assert r.status_code == 200
    finally:
        emu.stop()


def test_stats_count_connections_not_requests(emulator):
    """A client on one kept-alive connection counts once however many requests it sends; each
    new connection counts again. /stats's own connection is counted too."""
    assert emulator.admin("POST", "/reset").status_code == 200
    with requests.Session() as kept_alive:
        for _ in range(5):
            kept_alive.get(emulator.issuer + "/.well-known/jwks.json", timeout=10)
        stats = kept_alive.get(emulator.url("/_emulator/stats"), timeout=10).json()
        assert stats["connections"] == 1
        assert stats["counts"]["jwks"] == 5
    for _ in range(3):
        requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10)
    assert emulator.admin("GET", "/stats").json()["connections"] == 5
    assert emulator.admin("POST", "/reset").status_code == 200
    assert emulator.admin("GET", "/stats").json()["connections"] == 1
