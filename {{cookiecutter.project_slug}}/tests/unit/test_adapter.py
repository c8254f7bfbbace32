"""The sgID adapter: every answer it accepts or refuses, built with jwcrypto; no server runs.

Against the emulator and raw sockets: tests/integration/test_adapter.py.
"""

import base64
import json
import logging
import os
import tracemalloc

import pytest
from jwcrypto import jwe, jwk

from {{ cookiecutter.package_name }}.sgid.adapter import (
    CLOCK_SKEW,
    MAX_FIELD_BYTES,
    MAX_KEY_JWK_BYTES,
    MAX_USERINFO_BYTES,
    MAX_USERINFO_FIELDS,
    SgidAdapter,
    SgidError,
    check_id_token_claims,
    read_userinfo,
)

CLIENT_ID = "unit-tests"  # the client, and the audience of the ID tokens built here


def test_every_login_gets_its_own_nonce_state_and_verifier(key_files):
    adapter = SgidAdapter(
        client_id=CLIENT_ID,
        client_secret="unit-secret",
        private_key=key_files[0].read_text(),
        hostname="http://127.0.0.1:9",  # nothing is fetched to start a login
        redirect_uri="http://127.0.0.1:9/callback",
        scopes=("openid",),
    )
    starts = [adapter.start_login() for _ in range(200)]
    for name in ("nonce", "state", "code_verifier"):
        assert len({getattr(s, name) for s in starts}) == 200


# --- userinfo, built with jwcrypto ------------------------------------------------------------

SUB = "u3hz5cc4vfqkfbbz6wqlvj7qzzlz2hq5"
KEY_ALGS = ["RSA-OAEP-256", "RSA-OAEP"]
KEY_ENCS = ["A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"]
FIELD_ALGS = ["A128GCMKW", "A192GCMKW", "A256GCMKW", "dir"]
FIELD_ENCS = ["A128GCM", "A192GCM", "A256GCM"]
ENC_KEY_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32}


@pytest.fixture(scope="module")
def rsa_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seal(plaintext: bytes, key: jwk.JWK, alg: str, enc: str, **header) -> str:
    """A compact JWE, made with whatever algorithm the test names (jwcrypto's own allow-list
    is widened for it)."""
    token = jwe.JWE(plaintext, protected={"alg": alg, "enc": enc, **header}, algs=[alg, enc])
    token.add_recipient(key)
    return token.serialize(compact=True)


def block_key_for(field_alg: str, field_enc: str) -> jwk.JWK:
    size = ENC_KEY_BYTES[field_enc] if field_alg == "dir" else int(field_alg[1:4]) // 8
    return jwk.JWK(kty="oct", k=b64u(os.urandom(size)))


def answer(
    rsa_key,
    values: dict[str, str],
    key_alg="RSA-OAEP-256",
    key_enc="A256GCM",
    field_alg="A128GCMKW",
    field_enc="A128GCM",
    key_header=None,
    field_header=None,
) -> dict:
    """A userinfo answer as sgID sends it (by default), or in the algorithms named."""
    block = block_key_for(field_alg, field_enc)
    key = seal(block.export().encode(), rsa_key, key_alg, key_enc, **(key_header or {}))
    data = {
        scope: seal(value.encode(), block, field_alg, field_enc, **(field_header or {}))
        for scope, value in values.items()
    }
    return {"sub": SUB, "key": key, "data": data}


def read(rsa_key, body, scopes=("openid", "myinfo.name", "myinfo.email")) -> dict[str, str]:
    return read_userinfo(body, sub=SUB, private_key=rsa_key, scopes=scopes)


VALUES = {"myinfo.name": "JOSÉ D'SOUZA", "myinfo.email": "jose@example.sg"}


@pytest.mark.parametrize("enc", KEY_ENCS)
@pytest.mark.parametrize("alg", KEY_ALGS)
def test_key_jwe_algorithms_allowed(rsa_key, alg, enc):
    """sgID's RSA-OAEP-256/A256GCM, MockPass's RSA-OAEP/A128CBC-HS256, and their kin."""
    assert read(rsa_key, answer(rsa_key, VALUES, key_alg=alg, key_enc=enc)) == VALUES


@pytest.mark.parametrize("enc", FIELD_ENCS)
@pytest.mark.parametrize("alg", FIELD_ALGS)
def test_field_jwe_algorithms_allowed(rsa_key, alg, enc):
    """sgID's A128GCMKW/A128GCM, MockPass's dir/A256GCM, and their kin."""
    assert read(rsa_key, answer(rsa_key, VALUES, field_alg=alg, field_enc=enc)) == VALUES


def test_mockpass_format_is_read(rsa_key):
    body = answer(
        rsa_key,
        VALUES,
        key_alg="RSA-OAEP",
        key_enc="A128CBC-HS256",
        field_alg="dir",
        field_enc="A256GCM",
        field_header={"kid": "node-jose-style-kid"},
    )
    assert read(rsa_key, body) == VALUES


def ec_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="EC", crv="P-256")


def password() -> jwk.JWK:
    return jwk.JWK(kty="oct", k=b64u(b"correct horse battery staple"))


# Each a valid JWE of its kind, so only the algorithm policy can refuse it.
REFUSED_KEY = {
    "RSA1_5/A256GCM": lambda rsa: ("RSA1_5", "A256GCM", rsa),
    "RSA-OAEP-256/none-enc": None,  # built by hand below
    "A128KW/A128GCM": lambda rsa: ("A128KW", "A128GCM", jwk.JWK(kty="oct", k=b64u(bytes(16)))),
    "dir/A256GCM": lambda rsa: ("dir", "A256GCM", jwk.JWK(kty="oct", k=b64u(bytes(32)))),
    "A256GCMKW/A256GCM": lambda rsa: (
        "A256GCMKW",
        "A256GCM",
        jwk.JWK(kty="oct", k=b64u(bytes(32))),
    ),
    "PBES2-HS256+A128KW/A128GCM": lambda rsa: ("PBES2-HS256+A128KW", "A128GCM", password()),
    "ECDH-ES/A256GCM": lambda rsa: ("ECDH-ES", "A256GCM", ec_key()),
    "ECDH-ES+A128KW/A128GCM": lambda rsa: ("ECDH-ES+A128KW", "A128GCM", ec_key()),
}
REFUSED_FIELD = {
    "A128KW/A128GCM": ("A128KW", "A128GCM", 16),
    "A256KW/A256GCM": ("A256KW", "A256GCM", 32),
    "A128GCMKW/A128CBC-HS256": ("A128GCMKW", "A128CBC-HS256", 16),
    "dir/A128CBC-HS256": ("dir", "A128CBC-HS256", 32),
    "A256GCMKW/A256CBC-HS512": ("A256GCMKW", "A256CBC-HS512", 32),
    "PBES2-HS256+A128KW/A128GCM": ("PBES2-HS256+A128KW", "A128GCM", 28),
}


def unsigned_jwe(header: dict) -> str:
    """A compact JWE with this header and random parts: for algorithms no library produces."""
    parts = [b64u(os.urandom(n)) for n in (0, 12, 32, 16)]
    return ".".join([b64u(json.dumps(header).encode()), *parts])


@pytest.mark.parametrize("case", [*REFUSED_KEY, "none", "RSA-OAEP/no-enc"])
def test_key_jwe_algorithms_refused(rsa_key, case):
    body = answer(rsa_key, VALUES)
    block = jwk.JWK(kty="oct", k=b64u(os.urandom(16)))
    if case == "none":
        body["key"] = unsigned_jwe({"alg": "none", "enc": "A256GCM"})
    elif case == "RSA-OAEP/no-enc":
        body["key"] = unsigned_jwe({"alg": "RSA-OAEP"})
    elif REFUSED_KEY[case] is None:
        body["key"] = unsigned_jwe({"alg": "RSA-OAEP-256", "enc": "none"})
    else:
        alg, enc, key = REFUSED_KEY[case](rsa_key)
        body["key"] = seal(block.export().encode(), key, alg, enc)
    with pytest.raises(SgidError, match="JWE algorithm not allowed"):
        read(rsa_key, body)


@pytest.mark.parametrize("case", [*REFUSED_FIELD, "RSA-OAEP-256/A256GCM", "RSA1_5/A128GCM", "none"])
def test_field_jwe_algorithms_refused(rsa_key, case):
    body = answer(rsa_key, VALUES)
    if case == "none":
        token = unsigned_jwe({"alg": "none", "enc": "A128GCM"})
    elif case.startswith("RSA"):
        alg, enc = case.split("/")
        token = seal(b"S1234567D", rsa_key, alg, enc)  # to the client's own RSA key
    else:
        alg, enc, size = REFUSED_FIELD[case]
        token = seal(b"S1234567D", jwk.JWK(kty="oct", k=b64u(os.urandom(size))), alg, enc)
    body["data"]["myinfo.name"] = token
    with pytest.raises(SgidError, match="JWE algorithm not allowed"):
        read(rsa_key, body)


# --- sizes and compression --------------------------------------------------------------------


def peak_memory_of(action) -> int:
    """Bytes Python allocated at most while doing action (which must raise SgidError)."""
    tracemalloc.start()
    try:
        with pytest.raises(SgidError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_compressed_field_is_refused_before_decryption(rsa_key):
    """A field inflating to 50 MB: refused from its header, no more than a MB spent."""
    body = answer(rsa_key, VALUES)
    block = block_key_for("A128GCMKW", "A128GCM")
    body["key"] = seal(block.export().encode(), rsa_key, "RSA-OAEP-256", "A256GCM")
    bomb = seal(b"A" * 50_000_000, block, "A128GCMKW", "A128GCM", zip="DEF")
    assert len(bomb) < 100_000
    body["data"]["myinfo.name"] = bomb
    peak = peak_memory_of(lambda: read(rsa_key, body))
    assert peak < 1_000_000


def test_compressed_key_is_refused_before_decryption(rsa_key):
    body = answer(rsa_key, VALUES)
    jwk_with_bomb = json.dumps({"kty": "oct", "k": b64u(bytes(16)), "x": "A" * 50_000_000})
    body["key"] = seal(jwk_with_bomb.encode(), rsa_key, "RSA-OAEP-256", "A256GCM", zip="DEF")
    with pytest.raises(SgidError, match="compressed"):
        read(rsa_key, body)


def test_small_compressed_field_is_refused_too(rsa_key):
    """Policy, not a size limit: sgID never compresses, so `zip` is refused outright."""
    body = answer(rsa_key, VALUES)
    block = block_key_for("A128GCMKW", "A128GCM")
    body["key"] = seal(block.export().encode(), rsa_key, "RSA-OAEP-256", "A256GCM")
    body["data"]["myinfo.name"] = seal(b"DENISE", block, "A128GCMKW", "A128GCM", zip="DEF")
    with pytest.raises(SgidError, match="compressed"):
        read(rsa_key, body)


def test_field_at_the_cap_is_kept_and_above_it_refused(rsa_key):
    at_cap = {"myinfo.name": "A" * MAX_FIELD_BYTES}
    assert read(rsa_key, answer(rsa_key, at_cap)) == at_cap
    above = {"myinfo.name": "A" * (MAX_FIELD_BYTES + 1)}
    with pytest.raises(SgidError, match="field is larger than"):
        read(rsa_key, answer(rsa_key, above))


def test_a_long_but_real_list_fits(rsa_key):
    """Twenty sponsored children: the largest kind of value sgID sends, far below the cap."""
    child = {
        "nric": "T1872646C",
        "name": "LIM YONG JIN",
        "date_of_birth": "2018-05-05",
        "sex": "MALE",
        "race": "MALAY",
        "life_status": "ALIVE",
        "nationality": "SINGAPORE CITIZEN",
        "residential_status": "CITIZEN",
    }
    value = json.dumps([child] * 20)
    assert len(value) < MAX_FIELD_BYTES / 10
    scopes = ("openid", "myinfo.sponsored_child_records")
    body = answer(rsa_key, {"myinfo.sponsored_child_records": value})
    assert read(rsa_key, body, scopes) == {"myinfo.sponsored_child_records": value}


def test_all_fields_together_are_capped(rsa_key):
    each = MAX_FIELD_BYTES - 100
    names = [f"myinfo.field_{i}" for i in range(MAX_USERINFO_BYTES // each + 1)]
    body = answer(rsa_key, dict.fromkeys(names, "A" * each))
    with pytest.raises(SgidError, match="in all"):
        read(rsa_key, body, ("openid", *names))


def test_too_many_fields_are_refused(rsa_key):
    body = answer(rsa_key, VALUES)
    body["data"].update({f"x{i}": body["data"]["myinfo.name"] for i in range(MAX_USERINFO_FIELDS)})
    with pytest.raises(SgidError, match="more than"):
        read(rsa_key, body)


def test_large_key_jwk_is_refused(rsa_key):
    body = answer(rsa_key, VALUES)
    big = json.dumps({"kty": "oct", "k": b64u(bytes(16)), "x": "A" * MAX_KEY_JWK_BYTES})
    body["key"] = seal(big.encode(), rsa_key, "RSA-OAEP-256", "A256GCM")
    with pytest.raises(SgidError, match="key larger than"):
        read(rsa_key, body)


def test_key_that_is_not_a_symmetric_jwk_is_refused(rsa_key):
    body = answer(rsa_key, VALUES)
    public = rsa_key.export_public().encode()
    body["key"] = seal(public, rsa_key, "RSA-OAEP-256", "A256GCM")
    with pytest.raises(SgidError, match="could not decrypt"):
        read(rsa_key, body)


# --- only what was asked ----------------------------------------------------------------------

EXTRA = {
    "myinfo.nric_number": "S1234567D",
    "pocdex.public_officer_details": '[{"work_email": "officer@agency.gov.sg"}]',
    "<script>alert(1)</script>": "\nINJECTED LOG LINE",
}


def test_fields_not_requested_are_dropped_and_counted(rsa_key, caplog):
    body = answer(rsa_key, {**VALUES, **EXTRA})
    with caplog.at_level(logging.INFO):
        assert read(rsa_key, body) == VALUES
    lines = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert lines == [
        "sgid userinfo: dropped 3 field(s) for scopes not requested: "
        "myinfo.nric_number, pocdex.public_officer_details and 1 other name(s)"
    ]


def test_fields_not_requested_are_never_decrypted(rsa_key):
    """A broken JWE under an unrequested name does not matter: it is not even read."""
    body = answer(rsa_key, VALUES)
    body["data"]["myinfo.nric_number"] = unsigned_jwe({"alg": "none", "zip": "DEF"})
    assert read(rsa_key, body) == VALUES


def test_openid_only_login_has_no_data(rsa_key):
    assert read(rsa_key, {"sub": SUB}, ("openid",)) == {}


def test_openid_only_login_ignores_stray_data(rsa_key, caplog):
    with caplog.at_level(logging.WARNING):
        assert read(rsa_key, answer(rsa_key, VALUES), ("openid",)) == {}
    assert "dropped 2 field(s)" in caplog.text and "DENISE" not in caplog.text


def test_data_scopes_without_key_and_data_are_refused(rsa_key):
    with pytest.raises(SgidError, match="no key or data"):
        read(rsa_key, {"sub": SUB})


def test_userinfo_for_someone_else_is_refused(rsa_key):
    with pytest.raises(SgidError, match="sub does not match"):
        read_userinfo(answer(rsa_key, VALUES), sub="other", private_key=rsa_key, scopes=["openid"])


# --- ID token claims ---------------------------------------------------------------------------

ISSUER = "https://api.id.gov.sg/v2"
NONCE = "n-0S6_WzA2Mj"
NOW = 1_750_000_000


def claims(**changes) -> bytes:
    base = {
        "iss": ISSUER,
        "sub": SUB,
        "aud": CLIENT_ID,
        "iat": NOW,
        "exp": NOW + 300,
        "nonce": NONCE,
    }
    base.update(changes)
    return json.dumps({k: v for k, v in base.items() if v is not None}).encode()


def check(payload: bytes) -> str:
    return check_id_token_claims(payload, issuer=ISSUER, client_id=CLIENT_ID, nonce=NONCE, now=NOW)


def test_good_claims_give_the_sub():
    assert check(claims()) == SUB


@pytest.mark.parametrize(
    "sub", ["a%22%2C%22sub%22%3A%22someone-else", 'x"y', "a\\\\b", "~" * 255, "0"]
)
def test_sub_is_taken_exactly_as_signed(sub):
    assert check(claims(sub=sub)) == sub


@pytest.mark.parametrize("sub", ["", "a" * 256, "é", "a\nb", 12, None])
def test_unusable_subs_are_refused(sub):
    with pytest.raises(SgidError, match="sub"):
        check(claims(sub=sub))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"nbf": NOW + CLOCK_SKEW + 1}, "nbf is in the future"),
        ({"nbf": NOW + 86400}, "nbf is in the future"),
        ({"iat": NOW + CLOCK_SKEW + 1}, "iat is in the future"),
        ({"exp": NOW - CLOCK_SKEW - 1}, "expired"),
        ({"iat": float(NOW)}, "not an integer"),
        ({"nbf": True}, "not an integer"),
        ({"iss": ISSUER + "/"}, "iss"),
        ({"aud": [CLIENT_ID]}, "aud"),
        ({"azp": "someone-else"}, "azp"),
        ({"nonce": "other"}, "nonce"),
        ({"nonce": None}, "missing nonce"),
        ({"exp": None}, "missing exp"),
    ],
)
def test_bad_claims_are_refused(changes, reason):
    with pytest.raises(SgidError, match=reason):
        check(claims(**changes))


@pytest.mark.parametrize(
    "changes",
    [{"nbf": NOW + CLOCK_SKEW - 5}, {"iat": NOW + CLOCK_SKEW - 5}, {"exp": NOW - CLOCK_SKEW + 5}],
)
def test_clock_skew_is_allowed(changes):
    assert check(claims(**changes)) == SUB


def test_duplicate_claims_are_refused():
    """Parsers disagree on which duplicate wins, so a token holding two subs means nothing."""
    payload = claims()[:-1] + b', "sub": "someone-else"}'
    with pytest.raises(SgidError, match="not JSON"):
        check(payload)
