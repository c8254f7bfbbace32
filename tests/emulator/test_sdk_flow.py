"""The official SDK logs in against the emulator over real HTTP, as it would against sgID."""

import base64
import json
import time

import pytest
import requests
from emuhelp import (
    CLIENT_ID,
    OTHER_CLIENT_ID,
    OTHER_REDIRECT,
    OTHER_SECRET,
    authorize,
    exchange_code,
    jwt_part,
)
from jwcrypto import jwe, jwk


def _utf8_decrypt(private_pem: str, body: dict) -> dict:
    """What the SDK should do: the same JWEs, decoded as UTF-8."""
    key = jwk.JWK.from_pem(private_pem.encode())
    outer = jwe.JWE()
    outer.deserialize(body["key"], key=key)
    block = jwk.JWK.from_json(outer.payload.decode("utf-8"))
    out = {}
    for scope, token in body["data"].items():
        inner = jwe.JWE()
        inner.deserialize(token, key=block)
        out[scope] = inner.payload.decode("utf-8")
    return out


def test_every_persona_every_scope(emulator, sdk, personas, scopes, client_key):
    all_scopes = " ".join(scopes)
    ascii_ok = failed = 0
    for persona in personas:
        code, verifier, nonce, _ = authorize(emulator, sdk, all_scopes, persona["id"])
        sub, id_token, access_token = sdk.callback(code, verifier, nonce)
        expected = persona["data"]
        if all(v.isascii() for v in expected.values()):
            info = sdk.userinfo(sub, access_token)
            assert info.sub == sub
            assert info.data == expected
            ascii_ok += 1
        else:
            # Defect 2: the SDK decodes values as ASCII. Our bytes are right: UTF-8 decrypts them.
            with pytest.raises(Exception, match="Decryption of data failed"):
                sdk.userinfo(sub, access_token)
            raw = requests.get(
                emulator.issuer + "/oauth/userinfo",
                timeout=10,
                headers={"Authorization": f"Bearer {access_token}"},
            ).json()
            assert raw["sub"] == sub
            assert _utf8_decrypt(client_key[0], raw) == expected
            failed += 1
    assert ascii_ok >= 3 and failed >= 1


def test_token_and_jwe_formats(emulator, sdk, client_key):
    code, verifier, nonce, _ = authorize(emulator, sdk, "openid myinfo.name myinfo.email")
    r = exchange_code(emulator, code, verifier)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer"  # noqa: S105
    assert body["expires_in"] == 300
    assert body["scope"] == "openid myinfo.name myinfo.email"
    header, claims = jwt_part(body["id_token"], 0), jwt_part(body["id_token"], 1)
    jwks = requests.get(emulator.issuer + "/.well-known/jwks.json", timeout=10).json()
    assert header["alg"] == "RS256"
    assert header["kid"] in [k["kid"] for k in jwks["keys"]]
    for key in jwks["keys"]:
        assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}
        assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert claims["iss"] == emulator.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == nonce
    assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
    assert abs(claims["iat"] - time.time()) < 5 and claims["exp"] - claims["iat"] == 300
    assert 20 <= len(claims["sub"]) <= 40 and claims["sub"].isalnum()

    info = requests.get(
        emulator.issuer + "/oauth/userinfo",
        timeout=10,
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ).json()
    assert set(info) == {"sub", "key", "data"}
    assert jwt_part(info["key"], 0) == {"alg": "RSA-OAEP-256", "enc": "A256GCM"}
    data_header = jwt_part(info["data"]["myinfo.email"], 0)
    assert (data_header["alg"], data_header["enc"]) == ("A128GCMKW", "A128GCM")
    key = jwk.JWK.from_pem(client_key[0].encode())
    outer = jwe.JWE()
    outer.deserialize(info["key"], key=key)
    block = json.loads(outer.payload)
    assert block["kty"] == "oct" and block["alg"] == "A128GCM"
    assert len(base64.urlsafe_b64decode(block["k"] + "==")) == 16
    assert _utf8_decrypt(client_key[0], info) == {
        "myinfo.name": "DENISE TAN HUI MIN",
        "myinfo.email": "denise.tan@example.com",
    }


def test_openid_only_has_no_key_or_data(emulator, sdk):
    code, verifier, nonce, _ = authorize(emulator, sdk, "openid")
    sub, _, access_token = sdk.callback(code, verifier, nonce)
    raw = requests.get(
        emulator.issuer + "/oauth/userinfo",
        timeout=10,
        headers={"Authorization": f"Bearer {access_token}"},
    ).json()
    assert raw == {"sub": sub}
    # Defect 3: the SDK indexes res_body["key"] unconditionally; the app's adapter routes around it.
    with pytest.raises(KeyError, match="key"):
        sdk.userinfo(sub, access_token)


def test_no_nonce_means_no_nonce_claim(emulator, sdk):
    code, verifier, _, _ = authorize(emulator, sdk, "openid", nonce=None)
    _, id_token, _ = sdk.callback(code, verifier, None)
    assert "nonce" not in jwt_part(id_token, 1)


def test_pairwise_sub_stable_per_client_and_different_across_clients(emulator, sdk, client_key):
    from sgid_client import SgidClient

    subs = []
    for _ in range(2):
        code, verifier, nonce, _ = authorize(emulator, sdk, "openid", "ahmad")
        subs.append(sdk.callback(code, verifier, nonce).sub)
    other = SgidClient(
        OTHER_CLIENT_ID, OTHER_SECRET, client_key[0], OTHER_REDIRECT, hostname=emulator.base_url
    )
    code, verifier, nonce, _ = authorize(emulator, other, "openid", "ahmad")
    other_sub = other.callback(code, verifier, nonce).sub
    code, verifier, nonce, _ = authorize(emulator, sdk, "openid", "denise")
    denise_sub = sdk.callback(code, verifier, nonce).sub
    assert subs[0] == subs[1]
    assert other_sub != subs[0]
    assert denise_sub != subs[0]


def test_redirect_uri_with_query_keeps_it(emulator, client_key):
    from sgid_client import SgidClient

    other = SgidClient(
        OTHER_CLIENT_ID, OTHER_SECRET, client_key[0], OTHER_REDIRECT, hostname=emulator.base_url
    )
    code, verifier, nonce, _ = authorize(emulator, other, "openid myinfo.name", "mary")
    sub, _, access_token = other.callback(code, verifier, nonce)
    assert other.userinfo(sub, access_token).data == {"myinfo.name": "MARY LIM"}


def test_discovery(emulator):
    doc = requests.get(emulator.issuer + "/.well-known/openid-configuration", timeout=10).json()
    i = emulator.issuer
    assert doc["issuer"] == i
    assert doc["authorization_endpoint"] == i + "/oauth/authorize"
    assert doc["token_endpoint"] == i + "/oauth/token"
    assert doc["userinfo_endpoint"] == i + "/oauth/userinfo"
    assert doc["jwks_uri"] == i + "/.well-known/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert "openid" in doc["scopes_supported"] and "myinfo.name" in doc["scopes_supported"]


def test_issuer_ignores_host_header(emulator):
    doc = requests.get(
        emulator.issuer + "/.well-known/openid-configuration",
        timeout=10,
        headers={"Host": "evil.example"},
    ).json()
    assert doc["issuer"] == emulator.issuer


def test_personas_cover_the_edge_cases(personas, scopes):
    data_scopes = [s for s in scopes if s != "openid"]
    assert len(personas) >= 6
    values = [p["data"] for p in personas]
    for p in personas:
        assert set(data_scopes) <= set(p["data"]), p["id"]
    everything = [v for d in values for v in d.values()]
    dobs = [d["myinfo.date_of_birth"] for d in values]
    assert any(len(x) == 7 for x in dobs) and any(len(x) == 4 for x in dobs)
    assert "NA" in everything
    assert any("\n\n" in d["myinfo.registered_address"] for d in values)
    assert any(not d["myinfo.name"].isascii() for d in values)
    assert any(not d["myinfo.registered_address"].isascii() for d in values)
    assert any("&" in v and "<" in v for v in everything)
    for scope in (
        "myinfo.vehicles",
        "myinfo.sponsored_child_records",
        "pocdex.public_officer_details",
    ):
        lists = [json.loads(d[scope]) for d in values if d[scope] != "NA"]
        assert [] in lists and any(lists), scope
    assert sum(1 for d in values if d["pocdex.public_officer_details"] not in ("NA", "[]")) >= 1
