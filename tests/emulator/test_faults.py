"""Each fault switch makes the official SDK refuse the login, or reaches the client as described."""

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
import requests
from emuhelp import (
    CLIENT_ID,
    ENDPOINTS,
    authorize,
    jwt_part,
    login_tokens,
    sdk_client,
    token_form,
)
from jwcrypto import jwk


def _sdk_refuses(emulator, client_key, fault, message=None, scope="openid myinfo.name"):
    """A fresh SDK client (it caches the JWKS for its life) logs in; the fault, switched on
    just before the step it breaks (the userinfo call for userinfo faults, the callback for
    the others), makes that step raise."""
    sdk = sdk_client(emulator, client_key[0])
    code, verifier, nonce, _ = authorize(emulator, sdk, scope)
    if fault.startswith("userinfo."):
        sub, _, access_token = sdk.callback(code, verifier, nonce)
        emulator.set_faults(fault)
        with pytest.raises(Exception, match=message):
            sdk.userinfo(sub, access_token)
    else:
        emulator.set_faults(fault)
        with pytest.raises(Exception, match=message):
            sdk.callback(code, verifier, nonce)


SDK_REFUSALS = {  # fault: what the official SDK says refusing it
    "id_token.bad_signature": "signature is invalid",
    "id_token.alg_none": "Unexpected signing algorithm",
    "id_token.hs256_public_key": "Unexpected signing algorithm",
    "id_token.unknown_kid": "signature is invalid",
    "id_token.wrong_iss": "'iss' did not match",
    "id_token.wrong_aud": "'aud' did not match",
    "id_token.wrong_nonce": "'nonce' did not match",
    # The SDK was given a nonce, so a token without one fails its comparison.
    "id_token.missing_nonce": "'nonce' did not match",
    "id_token.expired": "ID token is expired",
    "id_token.missing_sub": "did not contain the required keys",
    "userinfo.sub_mismatch": "did not match the sub",
    "userinfo.wrong_key": "Decryption of block key failed",
    "userinfo.tampered": "Decryption of data failed",
}


@pytest.mark.parametrize(("fault", "message"), SDK_REFUSALS.items(), ids=list(SDK_REFUSALS))
def test_sdk_refuses_fault(emulator, client_key, fault, message):
    _sdk_refuses(emulator, client_key, fault, message, "openid myinfo.name myinfo.email")


def test_id_token_faults_are_what_they_say(emulator, client_key):
    sdk = sdk_client(emulator, client_key[0])
    jwks = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()
    kids = {k["kid"] for k in jwks["keys"]}
    now = time.time()

    emulator.set_faults("id_token.alg_none")
    token = login_tokens(emulator, sdk)[0]["id_token"]
    assert jwt_part(token, 0)["alg"] == "none" and token.endswith(".")

    emulator.set_faults("id_token.hs256_public_key")
    token = login_tokens(emulator, sdk)[0]["id_token"]
    header = jwt_part(token, 0)
    assert header["alg"] == "HS256"
    # The classic key-confusion forgery: HMAC keyed with the published RSA key's PEM.
    pem = jwk.JWK(**next(k for k in jwks["keys"] if k["kid"] == header["kid"])).export_to_pem()
    signing_input, _, signature = token.rpartition(".")
    expected = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature

    emulator.set_faults("id_token.unknown_kid")
    assert jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 0)["kid"] not in kids

    emulator.set_faults("id_token.missing_nonce")
    assert "nonce" not in jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 1)

    emulator.set_faults("id_token.expired")
    claims = jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 1)
    assert claims["exp"] < now - 60

    emulator.set_faults("id_token.wrong_iss", "id_token.wrong_aud")
    claims = jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 1)
    assert claims["iss"] != emulator.issuer and claims["aud"] != CLIENT_ID


def test_future_iat_is_not_caught_by_the_sdk(emulator, client_key):
    """The SDK never looks at iat: the fault reaches the app, which must check it itself."""
    emulator.set_faults("id_token.future_iat")
    sdk = sdk_client(emulator, client_key[0])
    code, verifier, nonce, _ = authorize(emulator, sdk)
    _, id_token, _ = sdk.callback(code, verifier, nonce)
    claims = jwt_part(id_token, 1)
    assert claims["iat"] >= time.time() + 3500
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize("mode", ["500", "html", "invalid_json"])
@pytest.mark.parametrize("endpoint", ["token", "jwks", "userinfo"])
def test_sdk_refuses_broken_endpoint(emulator, client_key, endpoint, mode):
    _sdk_refuses(emulator, client_key, f"{endpoint}.{mode}")  # bare or JSON errors: any message
    method, path = ENDPOINTS[endpoint]
    r = requests.request(method, emulator.issuer + path, timeout=10)
    if mode == "500":
        assert r.status_code == 500
    else:
        assert r.status_code == 200
        expected = "text/html" if mode == "html" else "application/json"
        assert r.headers["Content-Type"].startswith(expected)
        with pytest.raises(ValueError):
            json.loads(r.text)


@pytest.mark.parametrize("endpoint", ["token", "jwks", "userinfo"])
def test_hang_stalls_one_endpoint_not_the_server(emulator, client_key, endpoint):
    hang = 1.0
    sdk = sdk_client(emulator, client_key[0])
    body, _ = login_tokens(emulator, sdk)
    code, verifier, _, _ = authorize(emulator, sdk)
    method, path = ENDPOINTS[endpoint]
    kwargs = {
        "token": {"data": token_form(code, verifier)},
        "jwks": {},
        "userinfo": {"headers": {"Authorization": "Bearer " + body["access_token"]}},
    }[endpoint]
    emulator.set_faults(f"{endpoint}.hang", hang_seconds=hang)
    result = {}

    def slow():
        started = time.monotonic()
        r = requests.request(method, emulator.issuer + path, timeout=10, **kwargs)
        result["status"], result["elapsed"] = r.status_code, time.monotonic() - started

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.1)
    # A client without a timeout would wait; one with a timeout gives up ...
    with pytest.raises(requests.Timeout):
        requests.request(method, emulator.issuer + path, timeout=0.3, **kwargs)
    # ... and everything else is still served promptly meanwhile.
    started = time.monotonic()
    r = requests.get(emulator.issuer + "/.well-known/openid-configuration", timeout=5)
    assert r.status_code == 200 and time.monotonic() - started < 0.5
    worker.join(10)
    assert result["status"] == 200  # after the stall the answer is the normal one
    assert result["elapsed"] >= hang


def test_more_id_token_faults_are_what_they_say(emulator, client_key):
    sdk = sdk_client(emulator, client_key[0])
    jwks = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()
    published = {json.dumps(k, sort_keys=True) for k in jwks["keys"]}

    emulator.set_faults("id_token.missing_iat", "id_token.missing_exp")
    claims = jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 1)
    assert "iat" not in claims and "exp" not in claims

    emulator.set_faults("id_token.extra_aud")
    claims = jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 1)
    assert claims["aud"] == [CLIENT_ID, "someone-else"]

    emulator.set_faults("id_token.embedded_jwk")
    header = jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 0)
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}  # claims to be the real key ...
    offered = {**header["jwk"], "kid": header["kid"]}
    assert json.dumps(offered, sort_keys=True) not in published  # ... but carries another

    emulator.set_faults("id_token.no_kid", "jwks.no_kid")
    assert "kid" not in jwt_part(login_tokens(emulator, sdk)[0]["id_token"], 0)
    bare = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()
    assert bare["keys"] and all("kid" not in k for k in bare["keys"])


def test_token_without_id_token(emulator, client_key):
    emulator.set_faults("token.no_id_token")
    body, _ = login_tokens(emulator, sdk_client(emulator, client_key[0]))
    assert "id_token" not in body and body["access_token"]


def test_plain_userinfo_is_a_downgrade(emulator, client_key):
    sdk = sdk_client(emulator, client_key[0])
    body, _ = login_tokens(emulator, sdk, "openid myinfo.name")
    emulator.set_faults("userinfo.plain")
    r = requests.get(
        emulator.issuer + "/oauth/userinfo",
        headers={"Authorization": "Bearer " + body["access_token"]},
        timeout=10,
    )
    data = r.json()["data"]
    assert data["myinfo.name"].count(".") != 4  # a value, not a compact JWE


@pytest.mark.parametrize("endpoint", ["token", "jwks", "userinfo"])
def test_more_endpoint_modes_are_what_they_say(emulator, endpoint):
    method, path = ENDPOINTS[endpoint]

    def call(mode):
        emulator.set_faults(f"{endpoint}.{mode}")
        return requests.request(method, emulator.issuer + path, timeout=10, allow_redirects=False)

    r = call("401")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = call("garbage")
    assert r.status_code == 200
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    r = call("wrong_shape")
    assert r.status_code == 200 and r.json() == {"keys": "x"}
    r = call("redirect")
    assert r.status_code == 307 and r.headers["Location"].startswith("https://evil.example/")
    r = call("oversized")
    assert r.status_code == 200 and len(r.content) > 1_000_000


def test_jwks_with_unusable_keys_still_holds_the_real_ones(emulator):
    real = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()["keys"]
    emulator.set_faults("jwks.extra_keys")
    keys = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()["keys"]
    assert {k["kty"] for k in keys} >= {"AKP", "foo", "oct", "RSA"}
    assert all(k in keys for k in real)
