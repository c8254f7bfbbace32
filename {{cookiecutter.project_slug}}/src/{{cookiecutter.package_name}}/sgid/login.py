"""One login attempt, from "Log in" to the callback, bound to the browser by a cookie.

Works with any web framework. The logins in progress live in a short-lived encrypted cookie of
their own (LoginCookie), not in the session: starting a login writes nothing on the server, so
nobody can grow the session store by sending requests, and the store only ever holds people who
logged in. Each attempt is keyed by its own random `state`, so two tabs logging in at once both
work; an attempt is used once and lives at most adapter.login_ttl seconds (10 minutes;
LOGIN_TTL_SECONDS may lower it), as does the cookie.
"""

import logging
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass

from ..security.sealed_cookies import CookieTooLarge, Sealer
from .adapter import Identity, SgidAdapter, SgidError
from .redirects import safe_return_path

MAX_PENDING = 5  # abandoned attempts kept per browser; the oldest is dropped first
MAX_PARAM_LENGTH = 2048  # callback parameters are short; anything longer is hostile
USER_KEY = "user"
TOUCH_EVERY = 60  # seconds between last-seen updates, to spare the session store writes

log = logging.getLogger(__name__)


class CallbackError(Exception):
    """The callback cannot log anyone in. `kind` picks the page the user sees."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        # invalid | expired | denied | failed | refused | unavailable | too_large | forbidden
        self.kind = kind
        self.reason = reason  # safe to log: never a code, token or personal data


@dataclass(frozen=True)
class Callback:
    state: str
    code: str | None
    error: str | None


def begin(pending: MutableMapping, adapter: SgidAdapter, return_to: str | None) -> str:
    """Start a login: add it to `pending` (LoginCookie.read) and return sgID's authorization URL."""
    start = adapter.start_login()
    now = time.time()
    for state in [s for s, a in pending.items() if now - a.get("started", 0) >= adapter.login_ttl]:
        del pending[state]
    while len(pending) >= MAX_PENDING:
        del pending[_oldest(pending)]
    pending[start.state] = {
        "nonce": start.nonce,
        "verifier": start.code_verifier,
        "return_to": safe_return_path(return_to),
        "issuer": adapter.issuer,
        "started": now,
    }
    return start.url


def parse_callback(params: list[tuple[str, str]]) -> Callback:
    """Check the callback's query parameters: each at most once, short, printable, with state."""
    seen: dict[str, str] = {}
    for name, value in params:
        if name in seen:
            raise CallbackError("invalid", f"parameter {name[:20]!r} repeated")
        if len(value) > MAX_PARAM_LENGTH:
            raise CallbackError("invalid", f"parameter {name[:20]!r} too long")
        if not value.isprintable():  # NUL, CR, LF and other control characters
            raise CallbackError("invalid", f"parameter {name[:20]!r} has control characters")
        seen[name] = value
    state, code, error = seen.get("state"), seen.get("code"), seen.get("error")
    if not state:
        raise CallbackError("invalid", "state missing")
    if bool(code) == bool(error):
        raise CallbackError("invalid", "exactly one of code and error is expected")
    return Callback(state=state, code=code, error=error)


def complete(
    pending: MutableMapping, adapter: SgidAdapter, callback: Callback
) -> tuple[Identity, str]:
    """Finish the login the callback belongs to; return who logged in and where to go next.

    The attempt is removed from `pending` before sgID is called, and the caller writes the
    cookie back whatever happens, so a replayed callback finds nothing and this browser never
    has a code exchanged twice. (A copy of the cookie from before the callback still holds the
    attempt: sgID's codes are single use, and the attempt ends with the login TTL.)
    """
    attempt = pending.pop(callback.state, None)
    if attempt is None:
        raise CallbackError("expired", "no login attempt with this state in this browser")
    if time.time() - attempt.get("started", 0) >= adapter.login_ttl:
        raise CallbackError("expired", "login attempt older than the login TTL")
    if attempt.get("issuer") != adapter.issuer:
        raise CallbackError("expired", "login attempt started with another sgID issuer")
    if callback.error:
        kind = "denied" if callback.error == "access_denied" else "failed"
        raise CallbackError(kind, f"sgID answered error={callback.error[:40]!r}")
    try:
        identity = adapter.finish_login(
            code=callback.code, code_verifier=attempt["verifier"], nonce=attempt["nonce"]
        )
    except SgidError as exc:
        raise CallbackError("unavailable" if exc.unavailable else "refused", exc.reason) from None
    return identity, attempt.get("return_to", "/")


def sign_in(
    session: MutableMapping,
    identity: Identity,
    fits: Callable[[MutableMapping], bool] = lambda session: True,
) -> None:
    """Replace whatever the session held with the logged-in user (the caller rotates its id).

    `fits` says whether the store can keep the session: the cookie store's cookie holds about
    4 kB, and a session that cannot be kept must end on a page saying so, not in a silent
    non-login or a server error.
    """
    session.clear()
    now = time.time()
    session[USER_KEY] = {"sub": identity.sub, "data": identity.data, "since": now, "seen": now}
    if not fits(session):
        session.clear()
        raise CallbackError("too_large", "the session would not fit in the session cookie")


def finish(
    pending: MutableMapping,
    adapter: SgidAdapter,
    params: list[tuple[str, str]],
    session: MutableMapping,
    fits: Callable[[MutableMapping], bool] = lambda session: True,
    may_log_in: Callable[[Identity], bool] = lambda identity: True,
) -> tuple[Identity, str]:
    """The whole callback, the same for every framework: check it, finish the login with sgID,
    ask `may_log_in` (accounts/access.py) and sign the person in; return who logged in and where
    to go next. CallbackError says which page to show; the caller then records the login and
    rotates the session id (on success) and writes the login cookie back. A refused person
    leaves the session as it was: no session is made for them."""
    try:
        identity, return_to = complete(pending, adapter, parse_callback(params))
        if not may_log_in(identity):
            raise CallbackError("forbidden", "refused by accounts/access.py")
        sign_in(session, identity, fits=fits)
    except CallbackError as exc:
        log.warning("login failed: %s (%s)", exc.kind, exc.reason)
        raise
    log.info("login ok")
    return identity, return_to


def current_user(session: MutableMapping, idle_seconds: int, max_seconds: int) -> dict | None:
    """The logged-in user, or None; ends sessions idle or older than the limits."""
    user = session.get(USER_KEY)
    if not isinstance(user, dict):
        return None
    now = time.time()
    if now - user.get("seen", 0) > idle_seconds or now - user.get("since", 0) > max_seconds:
        session.clear()
        return None
    if now - user.get("seen", 0) >= min(TOUCH_EVERY, idle_seconds / 4):
        session[USER_KEY] = {**user, "seen": now}
    return user


def _oldest(pending: Mapping) -> str:
    return min(pending, key=lambda state: pending[state].get("started", 0))


class LoginCookie:
    """The logins in progress in this browser, sealed in a cookie that lives as long as a login.

    HttpOnly; SameSite=Lax, since sgID's redirect back is a top-level cross-site GET that must
    carry it; in production Secure and __Host- prefixed (host-only, Path=/), like the session
    cookie. Not compressed: the return path in it is chosen by whoever made the login link.
    """

    def __init__(self, secret_key: str, login_ttl: int, production: bool):
        self.name = "__Host-sgid_login" if production else "sgid_login"
        self._ttl = login_ttl
        self._secure = production
        self._sealer = Sealer(secret_key, "login-cookie-v1", login_ttl)

    @classmethod
    def from_settings(cls, settings) -> "LoginCookie":
        return cls(settings.secret_key, settings.login_ttl, settings.production)

    def read(self, cookies: Mapping[str, str]) -> dict:
        """The attempts in the request's cookie: {} if it is missing, tampered or expired."""
        data = self._sealer.unseal(cookies.get(self.name)) or {}
        return {state: attempt for state, attempt in data.items() if isinstance(attempt, dict)}

    def write(self, response, pending: MutableMapping) -> None:
        """Set the cookie on a Flask, Starlette or Django response; expire it if none is left.

        Should the return paths make it too large, the oldest attempts are dropped.
        """
        value = ""
        while pending and not value:
            try:
                value = self._sealer.seal(dict(pending))
            except CookieTooLarge:
                del pending[_oldest(pending)]
        response.set_cookie(
            self.name,
            value,
            max_age=self._ttl if value else 0,
            path="/",
            secure=self._secure,
            httponly=True,
            samesite="Lax",
        )
