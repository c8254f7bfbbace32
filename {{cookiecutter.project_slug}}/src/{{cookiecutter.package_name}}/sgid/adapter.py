"""The only code that talks to sgID.

It wraps the official SDK (sgid-client 0.3.0) and routes around its known defects
(see the "Known defects" list of sgid-v2.md; numbers below refer to it):

1. the default nonce is evaluated once at import     -> a fresh nonce is passed on every login
2. userinfo values are decoded as ASCII              -> we decrypt ourselves, as UTF-8
3. openid-only logins raise KeyError('key')          -> no key/data simply means no data
4. parseData never parses JSON objects               -> the catalog parses values (profile.py)
5. callback() returns three values                   -> we do not call it (see 6)
6. no timeout on any HTTP call                       -> our own requests.Session with timeouts,
                                                        no redirects followed, bounded bodies,
                                                        and one deadline for the whole callback
7. zero exp leeway; trailing-slash hostname          -> hostname normalised in config; iat checked
8. pinned dependencies with CVEs                     -> overridden in pyproject.toml
9. state is not checked                              -> login.py binds state to the session
10. raw response bodies in exception text            -> SgidError carries a safe message only

From the SDK we keep what it gets right: authorization URL building, PKCE generation and
the ID token claim checks (validate_id_token), given our own key verifier.
"""

import base64
import contextvars
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass

import requests
import urllib3
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException
from sgid_client import SgidClient, generate_pkce_pair
from sgid_client.validation import validate_id_token

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0  # seconds to open a connection to sgID
READ_TIMEOUT = 10.0  # seconds between bytes from sgID
CALLBACK_DEADLINE = 15.0  # seconds for token + JWKS + userinfo together
LOGIN_TTL = 600  # seconds from "Log in" to the callback
MAX_RESPONSE_BYTES = 1_000_000  # sgID answers are a few kB; anything huge is refused
CLOCK_SKEW = 60  # seconds of leeway for iat in the future
# Callbacks waiting on sgID at once, per process. Beyond this a callback is answered "Singpass is
# not responding" at once, so a slow or hanging sgID can hold at most this many of the server's
# threads (gunicorn runs 16 per worker; FastAPI's thread pool has 40) and other pages still load.
MAX_CALLBACKS_IN_FLIGHT = 12
# Userinfo JWE algorithms, key management and content encryption in one list each (jwcrypto's
# form; the two vocabularies do not overlap). sgID sends RSA-OAEP-256/A256GCM for the `key` and
# A128GCMKW/A128GCM for each field; MockPass sends RSA-OAEP/A128CBC-HS256 and dir/A256GCM.
# RSA1_5, PBES2, ECDH, AES-KW without GCM and anything else are refused.
KEY_JWE_ALGS = [
    *("RSA-OAEP-256", "RSA-OAEP"),
    *("A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"),
]
FIELD_JWE_ALGS = [
    *("A128GCMKW", "A192GCMKW", "A256GCMKW", "dir"),
    *("A128GCM", "A192GCM", "A256GCM"),
]


# When the current callback must be done by (time.monotonic()); per request, so safe across threads.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "sgid_deadline", default=None
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
        self._sdk = SgidClient(
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            redirect_uri=redirect_uri,
            hostname=hostname.rstrip("/"),
        )
        self.issuer = self._sdk.issuer
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scopes = " ".join(scopes)
        self._private_key = jwk.JWK.from_pem(private_key.encode("ascii"))
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "sgid-relying-party"
        self._timeouts = timeouts
        self._callback_deadline = callback_deadline
        self._in_flight = threading.BoundedSemaphore(MAX_CALLBACKS_IN_FLIGHT)
        self.login_ttl = login_ttl  # read by login.py
        self._keys = _JwksVerifier(
            f"{self.issuer}/.well-known/jwks.json", self._get, jwks_refresh_cooldown
        )
        # The SDK's validate_id_token calls verifier.verify_jwt(); ours has timeouts and a cooldown.
        self._sdk.verifier = self._keys

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
        code_verifier, code_challenge = generate_pkce_pair(64)
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)  # defect 1: never rely on the SDK's default
        url = self._sdk.authorization_url(
            code_challenge=code_challenge, state=state, scope=self._scopes, nonce=nonce
        ).url
        return LoginStart(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    def finish_login(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        """Exchange the code (once, never retried) and read userinfo, all within the deadline."""
        if not self._in_flight.acquire(blocking=False):
            raise SgidError("too many callbacks waiting for sgID", unavailable=True)
        token = _deadline.set(time.monotonic() + self._callback_deadline)
        try:
            return self._finish_login(code=code, code_verifier=code_verifier, nonce=nonce)
        finally:
            _deadline.reset(token)
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
        try:
            sub = validate_id_token(
                id_token=id_token,
                issuer=self.issuer,
                client_id=self._client_id,
                nonce=nonce,
                verifier=self._keys,
            )
        except SgidError:
            raise
        except Exception as exc:  # the SDK raises bare Exceptions with details we must not show
            raise SgidError(f"ID token refused: {_sdk_reason(exc)}") from None
        claims = _claims(id_token)
        if claims.get("iat", 0) > time.time() + CLOCK_SKEW:
            raise SgidError("ID token refused: iat is in the future")
        if claims.get("nonce") != nonce:  # the SDK checks this too; keep it explicit
            raise SgidError("ID token refused: nonce mismatch")
        return sub

    def _userinfo(self, sub: str, access_token: str) -> dict[str, str]:
        body = self._get_json(
            f"{self.issuer}/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        if body.get("sub") != sub:
            raise SgidError("userinfo refused: sub does not match the ID token")
        if "key" not in body and "data" not in body:
            return {}  # defect 3: an openid-only login has no key and no data
        key, data = body.get("key"), body.get("data")
        if not isinstance(key, str) or not isinstance(data, dict):
            raise SgidError("userinfo refused: malformed key or data")
        try:
            envelope = jwe.JWE(algs=KEY_JWE_ALGS)
            envelope.deserialize(key, key=self._private_key)
            block_key = jwk.JWK.from_json(envelope.payload.decode("utf-8"))
            values = {}
            for scope, token in data.items():
                field = jwe.JWE(algs=FIELD_JWE_ALGS)
                field.deserialize(token, key=block_key)
                values[str(scope)] = field.payload.decode("utf-8")  # defect 2: UTF-8, not ASCII
        except (JWException, ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise SgidError("userinfo refused: could not decrypt") from None
        return values

    # --- HTTP: every call bounded in time and size, never following redirects ---------------

    def _post_json(self, url: str, form: dict) -> dict:
        return self._json(self._request("POST", url, data=form))

    def _get_json(self, url: str, headers: dict | None = None) -> dict:
        return self._json(self._request("GET", url, headers=headers))

    def _get(self, url: str) -> bytes:
        response = self._request("GET", url)
        if response.status_code != 200:
            raise SgidError(f"{_path(url)} answered HTTP {response.status_code}", unavailable=True)
        return response.content

    def _timeout(self, url: str) -> tuple[float, float]:
        """The per-call timeouts, cut down to what is left of the callback's deadline."""
        deadline = _deadline.get()
        if deadline is None:
            return self._timeouts
        left = deadline - time.monotonic()
        if left <= 0.05:
            raise SgidError(f"{_path(url)} not called: login deadline passed", unavailable=True)
        return (min(self._timeouts[0], left), min(self._timeouts[1], left))

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        timeout = self._timeout(url)
        started = time.monotonic()
        try:
            response = self._http.request(
                method,
                url,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            response._content = body
            response.close()
        # Reading the body from urllib3 directly (to cap its size) raises urllib3's errors, a
        # read timeout midway for one, not requests' wrappers.
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise SgidError(
                f"{_path(url)} unreachable ({exc.__class__.__name__})", unavailable=True
            ) from None
        log.info(
            "sgid %s %s -> %s in %.0f ms",
            method,
            _path(url),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if len(body) > MAX_RESPONSE_BYTES:
            raise SgidError(
                f"{_path(url)} answered more than {MAX_RESPONSE_BYTES} bytes", unavailable=True
            )
        return response

    @staticmethod
    def _json(response: requests.Response) -> dict:
        path = _path(response.url or "")
        if response.status_code >= 500:
            raise SgidError(f"{path} answered HTTP {response.status_code}", unavailable=True)
        if response.status_code != 200:
            error = _safe_json(response.content).get("error")
            error = error if isinstance(error, str) and error.isascii() and len(error) < 40 else "?"
            raise SgidError(f"{path} refused with HTTP {response.status_code} ({error})")
        body = _safe_json(response.content)
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

    def verify_jwt(self, token: str) -> None:
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


def _claims(token: str) -> dict:
    """The ID token payload, read after its signature was verified."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _sdk_reason(exc: Exception) -> str:
    """The SDK's message without what follows it: ". Expected <nonce>, received <value>"."""
    return str(exc).splitlines()[0].split(". ", 1)[0][:120]


def _safe_json(content: bytes) -> dict:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _path(url: str) -> str:
    """The URL without its query string, for logs."""
    return url.split("?", 1)[0]
