"""One login attempt, from "Log in" to the callback, bound to the browser's session.

Works on any dict-like session, so every web framework shares it. Each attempt is keyed by
its own random `state`, so two tabs logging in at once both work; an attempt is used once
and lives at most adapter.login_ttl seconds (10 minutes; LOGIN_TTL_SECONDS may lower it).
"""

import time
from collections.abc import MutableMapping
from dataclasses import dataclass

from .adapter import Identity, SgidAdapter, SgidError
from .redirects import safe_return_path

MAX_PENDING = 5  # abandoned attempts kept per session; the oldest is dropped first
MAX_PARAM_LENGTH = 2048  # callback parameters are short; anything longer is hostile
PENDING_KEY = "sgid_logins"
USER_KEY = "user"
TOUCH_EVERY = 60  # seconds between last-seen updates, to spare the session store writes


class CallbackError(Exception):
    """The callback cannot log anyone in. `kind` picks the page the user sees."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind  # invalid | expired | denied | failed | refused | unavailable
        self.reason = reason  # safe to log: never a code, token or personal data


@dataclass(frozen=True)
class Callback:
    state: str
    code: str | None
    error: str | None


def begin(session: MutableMapping, adapter: SgidAdapter, return_to: str | None) -> str:
    """Start a login: remember it in the session and return sgID's authorization URL."""
    start = adapter.start_login()
    now = time.time()
    pending = {
        state: attempt
        for state, attempt in _pending(session).items()
        if now - attempt.get("started", 0) < adapter.login_ttl
    }
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda s: pending[s].get("started", 0)))
    pending[start.state] = {
        "nonce": start.nonce,
        "verifier": start.code_verifier,
        "return_to": safe_return_path(return_to),
        "issuer": adapter.issuer,
        "started": now,
    }
    session[PENDING_KEY] = pending
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
    session: MutableMapping, adapter: SgidAdapter, callback: Callback
) -> tuple[Identity, str]:
    """Finish the login the callback belongs to; return who logged in and where to go next.

    The attempt is removed from the session before sgID is called, so a replayed callback
    finds nothing and a code is never exchanged twice.
    """
    pending = _pending(session)
    attempt = pending.pop(callback.state, None)
    if attempt is None:
        # Nothing is written: a stray callback must not create a session.
        raise CallbackError("expired", "no login attempt with this state in this session")
    session[PENDING_KEY] = pending
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


def sign_in(session: MutableMapping, identity: Identity) -> None:
    """Replace whatever the session held with the logged-in user (the caller rotates its id).

    Other logins still pending (another tab) are kept, so they can finish too.
    """
    pending = _pending(session)
    session.clear()
    now = time.time()
    session[USER_KEY] = {"sub": identity.sub, "data": identity.data, "since": now, "seen": now}
    if pending:
        session[PENDING_KEY] = pending


def store_seconds(session: MutableMapping, login_ttl: float, session_seconds: float) -> float:
    """How long the session store should keep this session after this request.

    Until someone logs in, a session holds only logins in progress: it is kept as long as a
    login may take, so abandoned logins (and clients that only open /login) leave nothing behind.
    """
    if isinstance(session.get(USER_KEY), dict):
        return session_seconds
    return min(login_ttl, session_seconds)


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


def _pending(session: MutableMapping) -> dict:
    value = session.get(PENDING_KEY)
    return dict(value) if isinstance(value, dict) else {}
