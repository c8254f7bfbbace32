"""The back-channel endpoints: discovery, JWKS, token and userinfo, and the faults that break
them as a whole (errors, junk bodies, hangs, trickles)."""

import hashlib
import re
import secrets
import time

from .config import Client
from .faults import apply_claim_faults, percent_sub
from .framing import HttpError
from .state import AccessGrant, CodeGrant
from .tokens import b64u, encrypt_userinfo, make_id_token, pairwise_sub

_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_BEARER_CHALLENGE = (("WWW-Authenticate", 'Bearer error="invalid_token"'),)

# <endpoint>.<mode> faults that answer in place of the endpoint, checked in this order.
_BROKEN_ANSWERS = (
    ("500", lambda h: h._json(500, {"error": "server_error", "error_description": "fault switch"})),
    (
        "html",
        lambda h: h._html(
            200,
            "<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>",
        ),
    ),
    (
        "invalid_json",
        lambda h: h._send(200, b'{"error": "this is not, valid json', "application/json"),
    ),
    (
        "401",
        lambda h: h._json(
            401, {"error": "invalid_token", "error_description": "fault"}, _BEARER_CHALLENGE
        ),
    ),
    (
        "garbage",
        lambda h: h._send(
            200, b"\xff\xfe\x00garbage" + secrets.token_bytes(64), "application/octet-stream"
        ),
    ),
    ("wrong_shape", lambda h: h._json(200, {"keys": "x"})),
    (
        "redirect",
        lambda h: h._send(307, b"", "text/plain", (("Location", "https://evil.example/steal"),)),
    ),
    (
        "oversized",
        lambda h: h._send(200, b'{"padding": "' + b"x" * 2_000_000 + b'"}', "application/json"),
    ),
)


def check_token_request(form: dict[str, str], authorization: str | None) -> None:
    """The token request's shape: grant type, client_secret_post only, required fields."""
    if form.get("grant_type") is None:
        raise HttpError(400, "invalid_request", "grant_type is required")
    if form["grant_type"] != "authorization_code":
        raise HttpError(400, "unsupported_grant_type", "only authorization_code is supported")
    if authorization:
        raise HttpError(
            400, "invalid_request", "this client authenticates with client_secret_post only"
        )


def check_code_redemption(grant: CodeGrant, client: Client, form: dict, now: float) -> None:
    """The code is this client's, for this redirect URI, unexpired, and the PKCE verifier fits."""
    req = grant.request
    if grant.expires < now:
        raise HttpError(400, "invalid_grant", "the code has expired")
    if req.client.client_id != client.client_id:
        raise HttpError(400, "invalid_grant", "the code was issued to another client")
    if form["redirect_uri"] != req.redirect_uri:
        raise HttpError(400, "invalid_grant", "redirect_uri differs from the authorize request")
    verifier = form["code_verifier"]
    if not _VERIFIER_RE.fullmatch(verifier):
        raise HttpError(400, "invalid_grant", "code_verifier must be 43-128 unreserved characters")
    computed = b64u(hashlib.sha256(verifier.encode("ascii")).digest())
    if not secrets.compare_digest(computed, req.code_challenge):
        raise HttpError(400, "invalid_grant", "code_verifier does not match code_challenge")


class OidcEndpoints:
    """Discovery, JWKS, token and userinfo, as sgID v2 answers them."""

    def _endpoint_faults(self, endpoint: str) -> bool:
        """Answer as the broken endpoint would; True when the request was answered."""
        faults, hang = self.server.emulator.snapshot()
        for mode, answer in _BROKEN_ANSWERS:
            if f"{endpoint}.{mode}" in faults:
                answer(self)
                return True
        if f"{endpoint}.hang" in faults:
            time.sleep(hang)
        if f"{endpoint}.trickle" in faults:
            self._trickle = ("body", hang)
        elif f"{endpoint}.trickle_head" in faults:
            self._trickle = ("head", hang)
        return False

    def openid_configuration(self) -> None:
        emu = self.server.emulator
        emu.count("openid_configuration")
        self._json(200, emu.discovery())

    def jwks(self) -> None:
        emu = self.server.emulator
        emu.count("jwks")
        if self._endpoint_faults("jwks"):
            return
        faults, _ = emu.snapshot()
        body = emu.keys.jwks_body
        if "jwks.no_kid" in faults:
            body = emu.keys.jwks_without_kid()
        elif "jwks.extra_keys" in faults:
            body = emu.keys.jwks_with_unusable_keys()
        self._send(200, body, "application/json")

    def token(self) -> None:
        emu = self.server.emulator
        emu.count("token")
        if self._endpoint_faults("token"):
            return
        form = self._form()
        check_token_request(form, self.headers.get("Authorization"))
        client = self._authenticated_client(form)
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise HttpError(400, "invalid_request", f"{name} is required")
        now = time.time()
        grant = self._redeem(form["code"])
        check_code_redemption(grant, client, form, now)
        self._json(200, self._issue_tokens(grant, client, now))

    def _authenticated_client(self, form: dict[str, str]) -> Client:
        client = self.server.emulator.settings.clients.get(form.get("client_id", ""))
        secret = form.get("client_secret", "")
        if client is None or not secrets.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            raise HttpError(401, "invalid_client", "unknown client or wrong client_secret")
        return client

    def _redeem(self, code: str) -> CodeGrant:
        """The code's grant, used up by this attempt whatever its outcome."""
        emu = self.server.emulator
        with emu.lock:
            grant = emu.state.codes.get(code)
            reused = grant is not None and grant.used
            if grant is not None:
                grant.used = True  # one attempt per code, successful or not
                if reused and grant.access_token:
                    # RFC 6749 §4.1.2: a replayed code revokes what it issued.
                    emu.state.tokens.pop(grant.access_token, None)
        if grant is None or reused:
            raise HttpError(400, "invalid_grant", "unknown, expired or already used code")
        return grant

    def _issue_tokens(self, grant: CodeGrant, client: Client, now: float) -> dict:
        """The signed ID token and a fresh access token, as the token endpoint's answer."""
        emu = self.server.emulator
        req = grant.request
        faults, _ = emu.snapshot()
        sub = pairwise_sub(grant.persona, client.client_id)
        if "id_token.percent_sub" in faults:
            sub = percent_sub(sub)  # userinfo answers the same sub (AccessGrant below)
        iat = int(now)
        claims = {
            "iss": emu.issuer,
            "sub": sub,
            "aud": client.client_id,
            "iat": iat,
            "exp": iat + int(emu.settings.id_token_ttl),
        }
        if req.nonce is not None:
            claims["nonce"] = req.nonce
        id_token = make_id_token(emu.keys, apply_claim_faults(claims, faults), faults)
        access_token = secrets.token_urlsafe(32)
        answer = {
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": int(emu.settings.token_ttl),
            "scope": " ".join(req.scopes),
        }
        if "token.no_id_token" in faults:
            del answer["id_token"]
        with emu.lock:
            emu.state.tokens[access_token] = AccessGrant(
                client.client_id, grant.persona, req.scopes, sub, now + emu.settings.token_ttl
            )
            grant.access_token = access_token
        return answer

    def userinfo(self) -> None:
        emu = self.server.emulator
        emu.count("userinfo")
        if self._endpoint_faults("userinfo"):
            return
        grant = self._bearer_grant()
        faults, _ = emu.snapshot()
        sub = grant.sub
        if "userinfo.sub_mismatch" in faults:
            sub = pairwise_sub(grant.persona, grant.client_id + "#someone-else")
        body: dict = {"sub": sub}
        values_by_scope = {
            s: emu.settings.personas[grant.persona].data[s] for s in grant.scopes if s != "openid"
        }
        # openid-only: sgID omits key and data altogether (the extra_fields fault adds some anyway).
        has_data = values_by_scope or "userinfo.extra_fields" in faults
        if has_data and "userinfo.no_data" not in faults:
            client = emu.settings.clients[grant.client_id]
            stranger = (
                emu.keys.stranger().private.public_key() if "userinfo.wrong_key" in faults else None
            )
            body["key"], body["data"] = encrypt_userinfo(
                client.public_key, values_by_scope, faults, stranger
            )
        self._json(200, body)

    def _bearer_grant(self) -> AccessGrant:
        """The live access token in the one Authorization: Bearer header."""
        values = self.headers.get_all("Authorization") or []
        scheme, _, token = (values[0] if len(values) == 1 else "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HttpError(
                401, "invalid_token", "send Authorization: Bearer <access token>", _BEARER_CHALLENGE
            )
        emu = self.server.emulator
        with emu.lock:
            grant = emu.state.tokens.get(token)
        if grant is None or grant.expires < time.time():
            raise HttpError(
                401, "invalid_token", "unknown or expired access token", _BEARER_CHALLENGE
            )
        return grant
