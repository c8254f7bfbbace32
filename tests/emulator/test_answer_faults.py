"""The emulator's switches for hostile or unusual answers do exactly what they say.

Read with jwcrypto and the official SDK (which accepts every one of them: that is the point of
the app's own checks), over real HTTP against a running emulator.
"""

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from emuhelp import ENDPOINTS, authorize, jwt_part, login_tokens, sdk_client
from jwcrypto import jwe, jwk

SCOPES = "openid myinfo.name myinfo.email"


def header(compact: str) -> dict:
    return jwt_part(compact, 0)


def tokens(emulator, client_key, scope=SCOPES) -> tuple[dict, str]:
    """(the token endpoint's answer, the nonce sent)."""
    return login_tokens(emulator, sdk_client(emulator, client_key[0]), scope)


def userinfo(emulator, client_key, *faults, scope=SCOPES) -> dict:
    access_token = tokens(emulator, client_key, scope)[0]["access_token"]
    emulator.set_faults(*faults)
    r = requests.get(
        emulator.issuer + "/oauth/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert len(r.content) < 1_000_000  # every one fits a client's body cap: the JWE is the test
    return r.json()


def decrypt(compact: str, key: jwk.JWK) -> bytes:
    token = jwe.JWE(algs=[header(compact)["alg"], header(compact)["enc"]])
    token.deserialize(compact, key=key)
    return token.payload


def block_jwk(body: dict, client_key) -> dict:
    private = jwk.JWK.from_pem(client_key[0].encode())
    return json.loads(decrypt(body["key"], private))


def block_key(body: dict, client_key) -> jwk.JWK:
    return jwk.JWK(**{n: v for n, v in block_jwk(body, client_key).items() if n != "pad"})


def test_mockpass_algs(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.mockpass_algs")
    assert header(body["key"]) == {"alg": "RSA-OAEP", "enc": "A128CBC-HS256"}
    key = block_key(body, client_key)
    assert key.get("kty") == "oct" and key.get("alg") == "A256GCM" and key.get("kid")
    for token in body["data"].values():
        assert header(token) == {"alg": "dir", "enc": "A256GCM", "kid": key.get("kid")}
    assert decrypt(body["data"]["myinfo.name"], key).decode() == "DENISE TAN HUI MIN"
    # The official SDK (jwcrypto's defaults) reads MockPass's format as it reads sgID's.
    sdk = sdk_client(emulator, client_key[0])
    code, verifier, nonce, _ = authorize(emulator, sdk, SCOPES)
    sub, _, access_token = sdk.callback(code, verifier, nonce)
    _, data = sdk.userinfo(sub, access_token)
    assert data["myinfo.name"] == "DENISE TAN HUI MIN"


def test_zip_bomb_field(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.zip_bomb_field")
    bomb = body["data"]["myinfo.name"]
    assert header(bomb)["zip"] == "DEF" and len(bomb) < 250_000
    assert len(decrypt(bomb, block_key(body, client_key))) == 100_000_000
    assert "zip" not in header(body["data"]["myinfo.email"])


def test_zip_key(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.zip_key")
    assert header(body["key"])["zip"] == "DEF" and len(body["key"]) < 250_000
    assert len(block_jwk(body, client_key)["pad"]) == 100_000_000  # jwcrypto inflates it
    key = block_key(body, client_key)
    assert decrypt(body["data"]["myinfo.name"], key).decode() == "DENISE TAN HUI MIN"


def test_huge_field_and_huge_key_jwk(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.huge_field", "userinfo.huge_key_jwk")
    assert "zip" not in header(body["key"])
    assert len(block_jwk(body, client_key)["pad"]) == 500_000
    key = block_key(body, client_key)
    assert decrypt(body["data"]["myinfo.name"], key) == b"A" * 100_000


def test_many_fields(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.many_fields")
    assert len(body["data"]) == 2 + 2000
    key = block_key(body, client_key)
    assert decrypt(body["data"]["extra.field_1999"], key) == b"x"


def test_extra_fields(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.extra_fields")
    extra = {
        "myinfo.nric_number",
        "pocdex.public_officer_details",
        '<script>alert("extra")</script>',
    }
    assert set(body["data"]) == {"myinfo.name", "myinfo.email"} | extra
    key = block_key(body, client_key)
    assert decrypt(body["data"]["myinfo.nric_number"], key) == b"S1234567D"


def test_extra_fields_reach_openid_only_logins_too(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.extra_fields", scope="openid")
    assert "myinfo.nric_number" in body["data"] and body["key"]


def test_no_data(emulator, client_key):
    body = userinfo(emulator, client_key, "userinfo.no_data")
    assert set(body) == {"sub"}


def test_future_nbf(emulator, client_key):
    emulator.set_faults("id_token.future_nbf")
    id_token = tokens(emulator, client_key)[0]["id_token"]
    claims = jwt_part(id_token, 1)
    assert claims["nbf"] == claims["iat"] + 86400


def test_percent_sub(emulator, client_key):
    """Signed, the sub holds "%22"; percent-decoded first, as the SDK does, it reads as another."""
    emulator.set_faults("id_token.percent_sub")
    answer, _ = tokens(emulator, client_key)
    claims = jwt_part(answer["id_token"], 1)
    assert claims["sub"].endswith("%22%2C%22sub%22%3A%22someone-else")
    r = requests.get(
        emulator.issuer + "/oauth/userinfo",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
        timeout=10,
    )
    assert r.json()["sub"] == claims["sub"]  # userinfo agrees with the signed sub
    sdk = sdk_client(emulator, client_key[0])
    code, verifier, nonce, _ = authorize(emulator, sdk, SCOPES)
    assert sdk.callback(code, verifier, nonce)[0] == "someone-else"  # the SDK's defect


def first_read(emulator, endpoint: str) -> bytes:
    """What one recv() gets of the endpoint's answer, shortly after asking."""
    method, path = ENDPOINTS[endpoint]
    url = urlsplit(emulator.issuer + path)
    request = f"{method} {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: 0\r\n\r\n"
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(request.encode())
        time.sleep(0.3)
        return sock.recv(65536)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_trickle_sends_the_head_then_the_body_slowly(emulator, endpoint):
    emulator.set_faults(f"{endpoint}.trickle", hang_seconds=1)
    head, _, body = first_read(emulator, endpoint).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 ") and b"Content-Length: " in head
    assert len(body) <= 1  # a byte a second


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_trickle_head_trickles_from_the_first_byte(emulator, endpoint):
    emulator.set_faults(f"{endpoint}.trickle_head", hang_seconds=1)
    assert len(first_read(emulator, endpoint)) <= 1


def test_the_emulator_keeps_serving_after_a_client_hangs_up_on_a_trickle(emulator):
    emulator.set_faults("jwks.trickle", hang_seconds=0.05)
    first_read(emulator, "jwks")  # closed after one read
    time.sleep(0.3)
    # The emulator still answers, and its trickling thread is gone (nothing left to assert
    # over HTTP but that normal service goes on).
    emulator.set_faults()
    assert requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=5).status_code == 200
