"""Fault switches: each makes exactly one thing wrong, for every login while it is set."""

ID_TOKEN_FAULTS = (
    "id_token.bad_signature",  # signature bytes altered
    "id_token.alg_none",  # alg "none", empty signature
    "id_token.hs256_public_key",  # HS256 keyed with our public key PEM (key-confusion attack)
    "id_token.unknown_kid",  # signed by a key that is not in the JWKS, under an unknown kid
    "id_token.wrong_iss",
    "id_token.wrong_aud",
    "id_token.wrong_nonce",
    "id_token.missing_nonce",
    "id_token.expired",
    "id_token.future_iat",  # iat one hour ahead
    "id_token.missing_sub",
    "id_token.missing_iat",
    "id_token.missing_exp",
    "id_token.extra_aud",  # aud = [client_id, "someone-else"]
    "id_token.embedded_jwk",  # signed by a stranger key that the header carries as `jwk`
    "id_token.no_kid",  # header without kid (with jwks.no_kid: sgID publishing keys without kid)
    "id_token.future_nbf",  # nbf a day ahead
    # A sub with percent-escapes in it, the same in userinfo. Read exactly as signed it is a
    # valid opaque sub; percent-decoded before JSON parsing (as sgid-client does) it becomes
    # '<sub>","sub":"someone-else' and the parser keeps the second sub.
    "id_token.percent_sub",
)
USERINFO_FAULTS = (
    "userinfo.sub_mismatch",
    "userinfo.wrong_key",  # block key encrypted to an RSA key the client does not hold
    "userinfo.tampered",  # one byte of a data JWE's ciphertext flipped
    "userinfo.plain",  # data values in plain text instead of JWEs (an encryption downgrade)
    # Hostile sizes (each stays under the 1 MB body that any client should accept):
    "userinfo.zip_bomb_field",  # the first field zip:DEF, 100 kB inflating to 100 MB
    "userinfo.zip_key",  # the key JWE zip:DEF, its JWK carrying a 100 MB member
    "userinfo.huge_field",  # the first field's value is 100 kB (no compression)
    "userinfo.many_fields",  # 2,000 extra small fields
    "userinfo.huge_key_jwk",  # the key JWK carries a 500 kB member (no compression)
    # Scopes: fields for scopes not requested (an NRIC, public-officer details and one named
    # <script>...), and an answer without key and data although data scopes were requested.
    "userinfo.extra_fields",
    "userinfo.no_data",
    # MockPass 4.3.4's format: key RSA-OAEP (SHA-1)/A128CBC-HS256, fields dir/A256GCM.
    "userinfo.mockpass_algs",
)
TOKEN_FAULTS = ("token.no_id_token",)  # a 200 answer without id_token
JWKS_FAULTS = (
    "jwks.no_kid",  # keys published without kid
    "jwks.extra_keys",  # unusable keys (unknown kty, AKP, oct) published next to the real ones
)
ENDPOINTS = ("token", "userinfo", "jwks")
# Whole-endpoint behaviours. "hang" waits hang_seconds and then answers normally, so a small
# hang_seconds is a slow sgID and a large one a stalled sgID. "trickle" sends the status line and
# headers, then the body one byte every hang_seconds; "trickle_head" trickles from the first byte
# of the status line. Either way no single read waits long, yet the answer never ends in time.
ENDPOINT_MODES = (
    "500",
    "html",
    "invalid_json",
    "hang",
    "401",  # HTTP 401 invalid_token with WWW-Authenticate
    "garbage",  # HTTP 200 with random bytes that are not even UTF-8
    "wrong_shape",  # HTTP 200 with valid JSON of the wrong shape: {"keys": "x"}
    "redirect",  # HTTP 307 to another origin (must not be followed)
    "oversized",  # HTTP 200 with a 2 MB JSON body
    "trickle",
    "trickle_head",
)
ENDPOINT_FAULTS = tuple(f"{ep}.{mode}" for ep in ENDPOINTS for mode in ENDPOINT_MODES)

ALL_FAULTS: tuple[str, ...] = (
    ID_TOKEN_FAULTS + USERINFO_FAULTS + TOKEN_FAULTS + JWKS_FAULTS + ENDPOINT_FAULTS
)


def check_faults(names) -> list[str]:
    """Return the names, de-duplicated in order; raise ValueError on any unknown one."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValueError("faults must be a list of strings")
    unknown = [n for n in names if n not in ALL_FAULTS]
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; valid: {', '.join(ALL_FAULTS)}")
    return list(dict.fromkeys(names))


def _expire(claims: dict) -> None:
    lifetime = claims["exp"] - claims["iat"]
    claims["iat"] = claims["iat"] - 3600 - lifetime
    claims["exp"] = claims["iat"] + lifetime


def _issue_in_future(claims: dict) -> None:
    lifetime = claims["exp"] - claims["iat"]
    claims["iat"] = claims["iat"] + 3600
    claims["exp"] = claims["iat"] + lifetime


# Each claim-level switch and how it bends the claims, applied in this order (later ones read
# what earlier ones wrote, e.g. future_nbf reads the iat that expired moved).
_CLAIM_BENDS = (
    ("id_token.wrong_iss", lambda c: c.update(iss="https://sgid-emulator.invalid/v2")),
    ("id_token.wrong_aud", lambda c: c.update(aud=f"{c['aud']}-someone-else")),
    ("id_token.wrong_nonce", lambda c: c.update(nonce="not-the-nonce-you-sent")),
    ("id_token.missing_nonce", lambda c: c.pop("nonce", None)),
    ("id_token.expired", _expire),
    ("id_token.future_iat", _issue_in_future),
    ("id_token.missing_sub", lambda c: c.pop("sub", None)),
    ("id_token.missing_iat", lambda c: c.pop("iat", None)),
    ("id_token.missing_exp", lambda c: c.pop("exp", None)),
    ("id_token.extra_aud", lambda c: c.update(aud=[c["aud"], "someone-else"])),
    ("id_token.future_nbf", lambda c: c.update(nbf=c["iat"] + 86400)),
)


def apply_claim_faults(claims: dict, faults: frozenset[str]) -> dict:
    """Bend the ID token claims as the claim-level switches say (signing faults are in tokens)."""
    claims = dict(claims)
    for fault, bend in _CLAIM_BENDS:
        if fault in faults:
            bend(claims)
    return claims


def percent_sub(sub: str) -> str:
    """The id_token.percent_sub fault's sub (also sent by userinfo, so the two agree)."""
    return f"{sub}%22%2C%22sub%22%3A%22someone-else"
