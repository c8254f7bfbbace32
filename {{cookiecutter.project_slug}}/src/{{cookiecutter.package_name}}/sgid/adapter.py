"""The only code that talks to sgID.

It does what the official SDK (sgid-client 0.3.0) does, without its known defects, numbered
here and referred to by number below:

1. the default nonce is evaluated once at import     -> a fresh nonce is passed on every login
2. userinfo values are decoded as ASCII              -> we decrypt ourselves, as UTF-8
3. openid-only logins raise KeyError('key')          -> no key/data simply means no data
4. parseData never parses JSON objects               -> the catalog parses values (profile.py)
5. callback() returns three values                   -> we do not call it (see 6)
6. no timeout on any HTTP call                       -> our own urllib3 pool with timeouts,
                                                        no redirects followed, bounded bodies,
                                                        one deadline for the whole callback, and
                                                        a bounded pool of kept-alive connections
7. zero exp leeway; trailing-slash hostname          -> hostname normalised in config; every claim
                                                        checked here with CLOCK_SKEW, on the payload
                                                        whose signature was verified (the SDK
                                                        re-parses the token with URL-decoding)
8. pinned dependencies with CVEs; pycryptodome and   -> the SDK is not a dependency: the
   cffi loaded into every process for one key          authorization request is built here as
   conversion (about 4 MB per worker)                  the SDK builds it (PKCE S256), and the
                                                       key is read once, by jwcrypto
9. state is not checked                              -> login.py binds state to the session
10. raw response bodies in exception text            -> SgidError carries a safe message only

Whatever sgID answers costs bounded time and memory: one wall-clock deadline over all calls of a
callback (connect, headers and body alike), a size cap on every body, and userinfo JWEs checked
(algorithms, no compression, sizes) before anything is decrypted.
"""

import base64
import binascii
import contextlib
import contextvars
import hashlib
import heapq
import itertools
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import urllib3
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from .catalog import SCOPES

log = logging.getLogger(__name__)

# Limits on talking to sgID, and the defaults. config.py reads them from here: the environment
# variables may only lower them (tests use small values), so the whole callback always ends well
# before the production server's 30 s worker timeout.
CONNECT_TIMEOUT = 3.0  # seconds to open a connection to sgID
READ_TIMEOUT = 10.0  # seconds between bytes from sgID
CALLBACK_DEADLINE = 15.0  # seconds for token + JWKS + userinfo together
LOGIN_TTL = 600  # seconds from "Log in" to the callback
MAX_RESPONSE_BYTES = 1_000_000  # sgID answers are a few kB; anything huge is refused
CLOCK_SKEW = 60  # seconds of leeway for exp, iat and nbf
# Threads per production server process: gunicorn's --threads (gunicorn_command.py reads it from
# here) for Flask and Django. FastAPI's thread pool has 40, so this is the smaller budget.
SERVER_THREADS = 16
# Callbacks waiting on sgID at once, per process. Beyond this a callback is answered "Singpass is
# not responding" at once, so a slow or hanging sgID holds at most this many of the server's
# threads and the ones kept back still serve other pages (home, logout, health checks).
MAX_CALLBACKS_IN_FLIGHT = SERVER_THREADS - 4
# Kept-alive connections to sgID, per process. Calls to sgID happen only inside a callback, and a
# callback makes one call at a time, so at most MAX_CALLBACKS_IN_FLIGHT connections are ever in
# use at once: a pool that size means no call waits for a connection and none is opened only to
# be thrown away (urllib3 discards, with a warning, connections beyond its pool's size). Reuse
# saves a TCP (and TLS) handshake on every call after a process's first few.
SGID_POOL_SIZE = MAX_CALLBACKS_IN_FLIGHT
# Userinfo JWE algorithms. sgID sends RSA-OAEP-256/A256GCM for the `key` and
# A128GCMKW/A128GCM for each field; MockPass sends RSA-OAEP/A128CBC-HS256 and dir/A256GCM. RSA1_5
# (padding oracle), PBES2, ECDH, AES-KW without GCM, `none` and anything else are refused, from
# the protected header, before anything is decrypted.
KEY_JWE_ALGS = frozenset({"RSA-OAEP-256", "RSA-OAEP"})
KEY_JWE_ENCS = frozenset(
    {"A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"}
)
FIELD_JWE_ALGS = frozenset({"A128GCMKW", "A192GCMKW", "A256GCMKW", "dir"})
FIELD_JWE_ENCS = frozenset({"A128GCM", "A192GCM", "A256GCM"})
# Decrypted sizes, checked on the ciphertext before decrypting: with `zip` refused,
# a plaintext is never longer than its ciphertext. The longest real values are JSON lists
# (a sponsored child's record is about 250 bytes, a vehicle 30, a public-officer appointment
# 300): 64 kB is over a hundred children. A block key JWK is under 200 bytes. Together with the
# 1 MB body cap, a hostile userinfo costs a few MB at most.
MAX_FIELD_BYTES = 64 * 1024
MAX_KEY_JWK_BYTES = 1024
MAX_USERINFO_FIELDS = 64  # the catalog has about 25 scopes; sgID sends only those requested
MAX_USERINFO_BYTES = 256 * 1024  # all kept values together
MAX_SUB_LENGTH = 255  # OpenID Connect Core 2: at most 255 ASCII characters


# When the current callback must be done by (time.monotonic()); per request, so safe across threads.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "sgid_deadline", default=None
)
# The current callback's watchdog (see _Watchdog).
_watchdog: contextvars.ContextVar["_Watchdog | None"] = contextvars.ContextVar(
    "sgid_watchdog", default=None
)


class SgidError(Exception):
    """A login could not be completed. `reason` is safe to log; never show raw sgID text."""

    def __init__(self, reason: str, *, unavailable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.unavailable = unavailable  # sgID slow, down or garbled, rather than a refusal


@dataclass(frozen=True)
class LoginStart:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    sub: str
    data: dict[str, str]  # scope -> raw value string, as sgID sent it


class SgidAdapter:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        private_key: str,
        hostname: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
        jwks_refresh_cooldown: float = 60.0,
        timeouts: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        callback_deadline: float = CALLBACK_DEADLINE,
        login_ttl: int = LOGIN_TTL,
    ):
        self.issuer = f"{hostname.rstrip('/')}/v2"
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scopes = " ".join(scopes)
        self._requested = frozenset(scopes)
        self._private_key = jwk.JWK.from_pem(private_key.encode("ascii"))
        self._http = _connections(self.issuer)
        self._timeouts = timeouts
        self._callback_deadline = callback_deadline
        self._in_flight = threading.BoundedSemaphore(MAX_CALLBACKS_IN_FLIGHT)
        self.login_ttl = login_ttl  # read by login.py
        self._keys = _JwksVerifier(
            f"{self.issuer}/.well-known/jwks.json", self._get, jwks_refresh_cooldown
        )

    @classmethod
    def from_settings(cls, settings) -> "SgidAdapter":
        """The adapter for a config.Settings; every framework builds it this way."""
        return cls(
            client_id=settings.sgid_client_id,
            client_secret=settings.sgid_client_secret,
            private_key=settings.sgid_private_key,
            hostname=settings.sgid_hostname,
            redirect_uri=settings.sgid_redirect_uri,
            scopes=settings.sgid_scopes,
            jwks_refresh_cooldown=settings.jwks_refresh_cooldown,
            timeouts=(settings.sgid_connect_timeout, settings.sgid_read_timeout),
            callback_deadline=settings.sgid_callback_deadline,
            login_ttl=settings.login_ttl,
        )

    def start_login(self) -> LoginStart:
        code_verifier = secrets.token_urlsafe(48)  # 64 characters, as the SDK's (RFC 7636)
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)  # defect 1: fresh on every login
        query = urlencode(
            {
                "client_id": self._client_id,
                "scope": self._scopes,
                "redirect_uri": self._redirect_uri,
                "response_type": "code",
                "code_challenge": _b64u_encode(hashlib.sha256(code_verifier.encode()).digest()),
                "code_challenge_method": "S256",
                "state": state,
                "nonce": nonce,
            }
        )
        url = f"{self.issuer}/oauth/authorize?{query}"
        return LoginStart(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    def finish_login(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        """Exchange the code (once, never retried) and read userinfo, all within the deadline."""
        if not self._in_flight.acquire(blocking=False):
            raise SgidError("too many callbacks waiting for sgID", unavailable=True)
        try:
            with within_deadline(self._callback_deadline):
                return self._finish_login(code=code, code_verifier=code_verifier, nonce=nonce)
        finally:
            self._in_flight.release()

    def _finish_login(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        tokens = self._post_json(
            f"{self.issuer}/oauth/token",
            {
                "grant_type": "authorization_code",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "redirect_uri": self._redirect_uri,
                "code": code,
                "code_verifier": code_verifier,
            },
        )
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if not isinstance(id_token, str) or not id_token:
            raise SgidError("token response has no id_token")
        if not isinstance(access_token, str) or not access_token:
            raise SgidError("token response has no access_token")
        sub = self._validate_id_token(id_token, nonce)
        return Identity(sub=sub, data=self._userinfo(sub, access_token))

    def _validate_id_token(self, id_token: str, nonce: str) -> str:
        payload = self._keys.verify_jwt(id_token)
        return check_id_token_claims(
            payload, issuer=self.issuer, client_id=self._client_id, nonce=nonce
        )

    def _userinfo(self, sub: str, access_token: str) -> dict[str, str]:
        body = self._get_json(
            f"{self.issuer}/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        return read_userinfo(body, sub=sub, private_key=self._private_key, scopes=self._requested)

    # --- HTTP: every call bounded in time and size, never following redirects ---------------

    def _post_json(self, url: str, form: dict) -> dict:
        body = urlencode(form)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._json(url, *self._request("POST", url, body=body, headers=headers))

    def _get_json(self, url: str, headers: dict | None = None) -> dict:
        return self._json(url, *self._request("GET", url, headers=headers or {}))

    def _get(self, url: str) -> bytes:
        status, body = self._request("GET", url)
        if status != 200:
            raise SgidError(f"{_path(url)} answered HTTP {status}", unavailable=True)
        return body

    def _timeout(self, url: str) -> tuple[float, float]:
        """The per-call timeouts, cut down to what is left of the callback's deadline."""
        deadline = _deadline.get()
        if deadline is None:
            return self._timeouts
        left = deadline - time.monotonic()
        if left <= 0.05:
            raise SgidError(f"{_path(url)} not called: login deadline passed", unavailable=True)
        return (min(self._timeouts[0], left), min(self._timeouts[1], left))

    def _request(
        self, method: str, url: str, *, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """(status, body) of one call to sgID, its body capped and any redirect not followed."""
        connect, read = self._timeout(url)
        started = time.monotonic()
        try:
            response = self._http.request(
                method,
                url,
                body=body,
                headers={**REQUEST_HEADERS, **(headers or {})},
                timeout=urllib3.Timeout(connect=connect, read=read),
                retries=_STALE_CONNECTION_RETRY,
                redirect=False,
                preload_content=False,
            )
            content = response.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            # A body read to its end has already gone back to the pool with its connection
            # (urllib3 releases it at the end of the body), so this closes nothing then. It hangs
            # up on a connection whose body is left unread (over the cap), which must never carry
            # another call: the rest of that body would be read as the next answer.
            response.close()
            response.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            _raise_if_deadline_passed(url)
            cause = getattr(exc, "reason", None) or exc  # what a MaxRetryError wraps
            raise SgidError(
                f"{_path(url)} unreachable ({cause.__class__.__name__})", unavailable=True
            ) from None
        # A body without Content-Length ends at EOF, which the watchdog's shutdown looks like.
        _raise_if_deadline_passed(url)
        log.info(
            "sgid %s %s -> %s in %.0f ms",
            method,
            _path(url),
            response.status,
            (time.monotonic() - started) * 1000,
        )
        if len(content) > MAX_RESPONSE_BYTES:
            raise SgidError(
                f"{_path(url)} answered more than {MAX_RESPONSE_BYTES} bytes", unavailable=True
            )
        return response.status, content

    @staticmethod
    def _json(url: str, status: int, content: bytes) -> dict:
        path = _path(url)
        if status >= 500:
            raise SgidError(f"{path} answered HTTP {status}", unavailable=True)
        if status != 200:
            error = _safe_json(content).get("error")
            error = error if isinstance(error, str) and error.isascii() and len(error) < 40 else "?"
            raise SgidError(f"{path} refused with HTTP {status} ({error})")
        body = _safe_json(content)
        if not body:
            raise SgidError(
                f"{path} answered something that is not a JSON object", unavailable=True
            )
        return body


class _JwksVerifier:
    """Verifies RS256 signatures with sgID's published keys.

    Replaces the SDK's IdTokenVerifier, which has no timeout, refetches the JWKS on every
    failure (a flood of refetches for forged tokens), and accepts whatever alg jwcrypto allows.
    Known keys are cached; an unknown kid triggers at most one refetch per cooldown, and a
    failed refetch keeps the keys already known.
    """

    def __init__(self, jwks_uri: str, fetch, cooldown: float):
        self._jwks_uri = jwks_uri
        self._fetch = fetch
        self._cooldown = cooldown
        self._keys = jwk.JWKSet()
        self._last_fetch = float("-inf")
        self._lock = threading.Lock()

    def verify_jwt(self, token: str) -> bytes:
        """The payload bytes whose RS256 signature verified; SgidError otherwise."""
        try:
            header = jws.JWS()
            header.deserialize(token)
            kid = header.jose_header.get("kid")
            alg = header.jose_header.get("alg")
        except (JWException, ValueError, TypeError):
            raise SgidError("ID token refused: malformed") from None
        if alg != "RS256":
            raise SgidError("ID token refused: not RS256")
        key = self._key(kid)
        try:
            verifier = jws.JWS()
            verifier.deserialize(token)
            verifier.allowed_algs = ["RS256"]
            verifier.verify(key)
            return verifier.payload
        except (JWException, ValueError, TypeError):
            raise SgidError("ID token refused: bad signature") from None

    def _key(self, kid: str | None) -> jwk.JWK:
        with self._lock:
            key = self._find(kid)
            if key is None and time.monotonic() - self._last_fetch >= self._cooldown:
                self._last_fetch = time.monotonic()
                self._refresh()
                key = self._find(kid)
        if key is None:
            raise SgidError("ID token refused: unknown signing key")
        return key

    def _find(self, kid: str | None) -> jwk.JWK | None:
        rsa_keys = [k for k in self._keys if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"]
        if kid is None:
            return rsa_keys[0] if len(rsa_keys) == 1 else None
        return next((k for k in rsa_keys if k.get("kid") == kid), None)

    def _refresh(self) -> None:
        try:
            document = json.loads(self._fetch(self._jwks_uri))
            keys = jwk.JWKSet()
            for entry in document.get("keys", []):
                try:
                    keys.add(jwk.JWK(**entry))
                except (JWException, ValueError, TypeError):
                    continue  # a key type we cannot use is ignored, not fatal
        except SgidError:
            log.warning("sgid JWKS refresh failed; keeping %d known keys", len(list(self._keys)))
            return
        except (ValueError, TypeError, AttributeError):
            log.warning(
                "sgid JWKS document is malformed; keeping %d known keys", len(list(self._keys))
            )
            return
        if list(keys):
            self._keys = keys


# --- ID token claims ------------------------------------------------------------------------


def check_id_token_claims(
    payload: bytes, *, issuer: str, client_id: str, nonce: str, now: float | None = None
) -> str:
    """Check the claims of a verified ID token payload; return its `sub`.

    Read from the exact bytes whose signature verified, never from a re-parse of the token (the
    SDK's percent-decodes it, so a signed `sub` holding `%22` becomes other JSON). A `sub` is
    opaque: any printable ASCII string of at most 255 characters is taken exactly as signed.
    """
    claims = _parse_claims(payload)
    _check_parties(claims, issuer, client_id)
    _check_times(claims, time.time() if now is None else now)
    if not isinstance(claims["nonce"], str) or not secrets.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise SgidError("ID token refused: nonce mismatch")
    sub = claims["sub"]
    if (
        not isinstance(sub, str)
        or not 0 < len(sub) <= MAX_SUB_LENGTH
        or not sub.isascii()
        or not sub.isprintable()
    ):
        raise SgidError("ID token refused: sub is not 1-255 printable ASCII characters")
    return sub


def _parse_claims(payload: bytes) -> dict:
    """The payload as a JSON object holding every claim the checks need."""
    try:
        claims = json.loads(payload, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError):
        raise SgidError("ID token refused: payload is not JSON") from None
    if not isinstance(claims, dict):
        raise SgidError("ID token refused: payload is not a JSON object")
    missing = [name for name in ("iss", "sub", "aud", "exp", "iat", "nonce") if name not in claims]
    if missing:
        raise SgidError(f"ID token refused: missing {', '.join(missing)}")
    return claims


def _check_parties(claims: dict, issuer: str, client_id: str) -> None:
    """Issued by sgID, to this client."""
    if claims["iss"] != issuer:
        raise SgidError("ID token refused: iss mismatch")
    if claims["aud"] != client_id:  # a string, as sgID sends it; a list is refused
        raise SgidError("ID token refused: aud mismatch")
    if "azp" in claims and claims["azp"] != client_id:
        raise SgidError("ID token refused: azp mismatch")


def _check_times(claims: dict, now: float) -> None:
    """exp, iat and nbf are integers and hold now, within CLOCK_SKEW."""
    times = {name: claims[name] for name in ("exp", "iat", "nbf") if name in claims}
    if any(type(value) is not int for value in times.values()):  # bool and float too
        raise SgidError("ID token refused: exp, iat or nbf is not an integer")
    if times["exp"] < now - CLOCK_SKEW:
        raise SgidError("ID token refused: expired")
    if times["iat"] > now + CLOCK_SKEW:
        raise SgidError("ID token refused: iat is in the future")
    if times.get("nbf", 0) > now + CLOCK_SKEW:
        raise SgidError("ID token refused: nbf is in the future")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    # JSON parsers disagree on which duplicate wins; a signed token must mean one thing.
    claims = dict(pairs)
    if len(claims) != len(pairs):
        raise ValueError("duplicate member")
    return claims


# --- userinfo --------------------------------------------------------------------------------


def read_userinfo(
    body: dict, *, sub: str, private_key: jwk.JWK, scopes: Iterable[str]
) -> dict[str, str]:
    """Decrypt the userinfo fields of the requested scopes; scope -> value as sgID sent it.

    Fields for scopes not requested are dropped unread (never decrypted, stored or shown) and
    counted in one log line. Every JWE is checked before decrypting: allowed algorithms only,
    no `zip`, sizes within the caps above.
    """
    if body.get("sub") != sub:
        raise SgidError("userinfo refused: sub does not match the ID token")
    requested = set(scopes) - {"openid"}
    if "key" not in body and "data" not in body:
        # Defect 3: an openid-only login has no key and no data. With data scopes requested
        # sgID answers every one (NA when empty), so their absence is a malformed answer.
        if requested:
            raise SgidError("userinfo refused: no key or data for the requested scopes")
        return {}
    key, data = body.get("key"), body.get("data")
    if not isinstance(key, str) or not isinstance(data, dict):
        raise SgidError("userinfo refused: malformed key or data")
    if len(data) > MAX_USERINFO_FIELDS:
        raise SgidError(f"userinfo refused: more than {MAX_USERINFO_FIELDS} fields")
    kept = {scope: token for scope, token in data.items() if scope in requested}
    _log_dropped([scope for scope in data if scope not in requested])
    if not kept:
        return {}
    _check_jwe_sizes(key, kept)
    return _decrypt_fields(key, kept, private_key)


def _check_jwe_sizes(key: str, fields: dict[str, object]) -> None:
    """Each field, all fields together and the block key within their caps, before decrypting."""
    sizes = [_jwe_plaintext_cap(token, FIELD_JWE_ALGS, FIELD_JWE_ENCS) for token in fields.values()]
    if max(sizes) > MAX_FIELD_BYTES:
        raise SgidError(f"userinfo refused: a field is larger than {MAX_FIELD_BYTES} bytes")
    if sum(sizes) > MAX_USERINFO_BYTES:
        raise SgidError(f"userinfo refused: fields larger than {MAX_USERINFO_BYTES} bytes in all")
    if _jwe_plaintext_cap(key, KEY_JWE_ALGS, KEY_JWE_ENCS) > MAX_KEY_JWK_BYTES:
        raise SgidError(f"userinfo refused: key larger than {MAX_KEY_JWK_BYTES} bytes")


def _decrypt_fields(key: str, fields: dict[str, object], private_key: jwk.JWK) -> dict[str, str]:
    """The block key from `key` (encrypted to our key), then each field with the block key."""
    try:
        envelope = jwe.JWE(algs=[*KEY_JWE_ALGS, *KEY_JWE_ENCS])  # the library checks too
        envelope.deserialize(key, key=private_key)
        block = json.loads(envelope.payload)
        if not isinstance(block, dict) or block.get("kty") != "oct":
            raise ValueError("the block key is not a symmetric JWK")
        block_key = jwk.JWK(**block)
        values = {}
        for scope, token in fields.items():
            field = jwe.JWE(algs=[*FIELD_JWE_ALGS, *FIELD_JWE_ENCS])
            field.deserialize(token, key=block_key)
            if len(field.payload) > MAX_FIELD_BYTES:  # cannot be, with zip refused: belt and braces
                raise ValueError("field too large")
            values[scope] = field.payload.decode("utf-8")  # defect 2: UTF-8, not ASCII
    except (JWException, ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
        raise SgidError("userinfo refused: could not decrypt") from None
    return values


def _jwe_plaintext_cap(token: object, algs: frozenset[str], encs: frozenset[str]) -> int:
    """Check a compact JWE's protected header; return the most its plaintext can be, in bytes.

    Done before decrypting, because jwcrypto inflates a `zip` plaintext (up to 100 MiB) before
    anyone could look at its size.
    """
    parts = token.split(".") if isinstance(token, str) and token.isascii() else []
    if len(parts) != 5 or len(parts[0]) > 4096:
        raise SgidError("userinfo refused: not a compact JWE")
    try:
        header = json.loads(_b64u_decode(parts[0]))
    except (ValueError, binascii.Error):
        header = None
    if not isinstance(header, dict):
        raise SgidError("userinfo refused: malformed JWE header")
    if "zip" in header:
        raise SgidError("userinfo refused: compressed JWE (zip)")
    if header.get("alg") not in algs or header.get("enc") not in encs:
        raise SgidError("userinfo refused: JWE algorithm not allowed")
    return len(parts[3]) * 3 // 4  # the ciphertext's length: GCM and CBC never shrink


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _log_dropped(names: list[str]) -> None:
    """One line for fields sgID sent for scopes the app did not request.

    Catalog scope names are a fixed vocabulary and tell the operator what sgID sent beyond the
    consent (say, myinfo.nric_number); any other name is sgID-chosen text (it could carry
    markup, newlines or a value), so it is only counted. Values are never logged.
    """
    if not names:
        return
    known = sorted({name for name in names if isinstance(name, str) and name in SCOPES})
    others = len(names) - len(known)
    log.warning(
        "sgid userinfo: dropped %d field(s) for scopes not requested: %s%s",
        len(names),
        ", ".join(known) or "none from the catalog",
        f" and {others} other name(s)" if others else "",
    )


# --- the wall-clock deadline -------------------------------------------------------------------


class _Watchdog:
    """Shuts the sockets of a callback's calls to sgID when its deadline passes.

    Socket timeouts count per read, so an answer trickled a byte every few seconds never trips
    them (nor does urllib3's read of a body); this is a wall clock over connecting, headers and
    body alike. A blocked read then returns at once and the call fails. The process's one
    _DeadlineKeeper thread fires it.
    """

    def __init__(self, deadline: float):
        self.deadline = deadline
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()  # a socket leaves the list before it goes back to the pool
        self.fired = False
        self.done = False
        self._kept = False

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is None or any(s is sock for s in self._sockets):
                return
            self._sockets.append(sock)
            if self.fired:  # opened just as the deadline passed: cut at once
                _shut(sock)
            kept, self._kept = self._kept, True
        if not kept:  # kept on the first call: a refused callback needs no watch
            _DEADLINE_KEEPER.keep(self)

    def release(self, sock: socket.socket | None) -> bool:
        """Stop watching a socket whose connection goes back to the pool, where another
        callback may take it; False if this deadline has passed (the socket may be shut)."""
        with self._lock:
            self._sockets = [s for s in self._sockets if s is not sock]
            return not self.fired

    def stop(self) -> None:
        self.done = True  # the keeper forgets it when it next looks

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed or detached already
        # The plain socket's shutdown: SSLSocket's would drop its SSL object under the
        # reading thread.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _DeadlineKeeper:
    """One thread per process that fires each callback's watchdog when its deadline passes.

    Not a thread per callback: starting one and waking it to stop cost about 5 % of a login's
    CPU (bench/profile_logins.py). Watchdogs wait in a heap by deadline; one that stopped in time
    is dropped when it reaches the top, so the thread wakes about once per deadline's length
    rather than once per login. Started lazily, and again in a forked child (a thread does not
    survive fork: gunicorn's workers).
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()  # ties in deadline never compare watchdogs
        self._thread: threading.Thread | None = None

    def keep(self, watchdog: _Watchdog) -> None:
        with self._condition:
            heapq.heappush(self._heap, (watchdog.deadline, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sgid-deadline", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is watchdog:  # earlier than what the thread waits for
                self._condition.notify()

    def _run(self) -> None:
        condition, heap = self._condition, self._heap
        while True:
            with condition:
                while heap and heap[0][2].done:
                    heapq.heappop(heap)
                if not heap:
                    condition.wait()
                    continue
                wait = heap[0][0] - time.monotonic()
                if wait > 0:
                    condition.wait(wait)
                    continue
                due = heapq.heappop(heap)[2]
            due.fire()  # outside the keeper's lock: watch() takes a watchdog's lock, then it


_DEADLINE_KEEPER = _DeadlineKeeper()


@contextlib.contextmanager
def within_deadline(seconds: float):
    """Every call to sgID inside ends within `seconds` from now: cut off by a watchdog."""
    deadline = time.monotonic() + seconds
    watchdog = _Watchdog(deadline)
    token, watch_token = _deadline.set(deadline), _watchdog.set(watchdog)
    try:
        yield
    finally:
        watchdog.stop()
        _watchdog.reset(watch_token)
        _deadline.reset(token)


def _raise_if_deadline_passed(url: str) -> None:
    watchdog = _watchdog.get()
    if watchdog is not None and watchdog.fired:
        raise SgidError(f"{_path(url)} cut off: login deadline passed", unavailable=True)


def _watch(sock: socket.socket | None) -> None:
    watchdog = _watchdog.get()
    if watchdog is not None:
        watchdog.watch(sock)


class _WatchedConnectionMixin:
    """Hands every socket of a call to the watchdog. Sockets, not connections: http.client
    drops a connection's socket (to the response) when the answer says Connection: close."""

    def _new_conn(self):
        sock = super()._new_conn()
        _watch(sock)  # the TCP socket, so a TLS handshake is watched too
        return sock

    def connect(self) -> None:
        super().connect()
        _watch(self.sock)  # the TLS socket wrapping it

    def request(self, *args, **kwargs):
        _watch(self.sock)  # a pooled connection is reused without connecting
        return super().request(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _WatchedPoolMixin:
    """A connection going back to the pool leaves the current callback's watchdog first: a
    deadline passing later must not cut it in the hands of another callback. One the deadline may
    have cut already is closed rather than pooled."""

    def _put_conn(self, conn) -> None:
        watchdog = _watchdog.get()
        if conn is not None and watchdog is not None and not watchdog.release(conn.sock):
            conn.close()
        super()._put_conn(conn)


class _WatchedHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _StaleConnectionRetry(Retry):
    """One more try for a GET whose kept-alive connection the server had closed (its keep-alive
    timeout, a restart) just as the request went out; nothing else is ever retried.

    urllib3 already drops a pooled connection it can see is closed before using it; this covers
    the race it cannot see. Only GETs (JWKS, userinfo: they change nothing at sgID) are retried,
    and only when the connection broke (urllib3's "read" errors). The token POST never is: a
    code is good for one exchange, and a POST the server may have received is not re-sent
    blindly; its failure is reported as sgID unavailable. A connection that could not be opened
    is not retried (that is an outage, and a second connect would double the wait), a read
    timeout neither (a slow sgID, not a stale connection), nor a call the deadline cut, nor any
    status: a Retry-After header is never obeyed (urllib3 would sleep as long as sgID asked).
    """

    def __init__(self, **kwargs) -> None:
        kwargs = {
            "total": 1,
            "connect": 0,
            "read": 1,
            "status": 0,
            "other": 0,
            "redirect": False,
            "allowed_methods": frozenset({"GET"}),
            "respect_retry_after_header": False,
            "raise_on_status": False,
            **kwargs,
        }
        super().__init__(**kwargs)

    def increment(self, method=None, url=None, response=None, error=None, **kwargs):
        watchdog = _watchdog.get()
        if isinstance(error, ReadTimeoutError) or (watchdog is not None and watchdog.fired):
            raise error  # what Retry does for an error it does not retry
        return super().increment(method, url, response, error, **kwargs)


_STALE_CONNECTION_RETRY = _StaleConnectionRetry()
# Sent on every call. gzip and deflate bodies are inflated within the size cap (urllib3 2.6+).
REQUEST_HEADERS = {
    "User-Agent": "sgid-relying-party",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
}


def _connections(issuer: str) -> urllib3.PoolManager:
    """Connections to sgID the current callback's watchdog can cut, kept alive in a pool of
    SGID_POOL_SIZE per process, certificates checked against certifi's roots.

    urllib3 directly, not requests: the adapter needs nothing requests adds, and requests loads a
    charset detector into every process (about 4 MB of each worker's memory, with requests
    itself). As requests does, the environment's proxy for sgID's scheme is used (HTTPS_PROXY,
    NO_PROXY); unlike it, no ~/.netrc password is ever sent.
    """
    options = {"num_pools": 1, "maxsize": SGID_POOL_SIZE, "ca_certs": certifi.where()}
    parts = urlsplit(issuer)
    proxy = getproxies().get(parts.scheme)
    if proxy and not proxy_bypass(parts.hostname or ""):
        manager = urllib3.ProxyManager(proxy, **options)
    else:
        manager = urllib3.PoolManager(**options)
    manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
    return manager


def _safe_json(content: bytes) -> dict:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _path(url: str) -> str:
    """The URL without its query string, for logs."""
    return url.split("?", 1)[0]
