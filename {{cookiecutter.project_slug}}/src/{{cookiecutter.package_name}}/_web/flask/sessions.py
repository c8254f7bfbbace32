"""Where sessions live: {{ cookiecutter.session_store }}. Cookie attributes are the same for every store."""
{%- if cookiecutter.session_store != "cookie" %}

import logging
{%- if cookiecutter.session_store == "redis" %}
from contextlib import nullcontext
{%- endif %}
from datetime import timedelta
{%- else %}

from datetime import timedelta
{%- endif %}
{%- if cookiecutter.session_store == "database" %}
from pathlib import Path

from flask import Flask, current_app, request, session
from flask.sessions import NullSession, SessionInterface
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..pages.error_messages import StoreUnavailable
from ..store_limits import STORE_GUARD, StoreBusy, database_connect_args, guard_engine
{%- elif cookiecutter.session_store == "redis" %}

import redis
from flask import Flask, current_app, request, session
from flask.sessions import NullSession, SessionInterface
from flask_session import Session

from ..config import Settings
from ..pages.error_messages import StoreUnavailable
from ..store_limits import redis_options
{%- else %}

from flask import Flask, current_app
from flask.sessions import SecureCookieSession, SessionInterface

from ..config import Settings
from ..cookie_crypto import SessionSealer
{%- endif %}
{%- if cookiecutter.session_store != "cookie" %}

log = logging.getLogger(__name__)
{%- if cookiecutter.session_store == "database" %}
STORE_ERRORS = (SQLAlchemyError, StoreBusy)
# Each store operation takes one of a few places per process (store_limits.StoreGuard).
store_slot = STORE_GUARD.slot
{%- else %}
STORE_ERRORS = (redis.RedisError, OSError)
store_slot = nullcontext  # redis-py's own timeouts bound each wait (store_limits.py)
{%- endif %}
# Pages that answer without the session, even while the store is down.
SESSIONLESS_ENDPOINTS = {"static", "views.healthz"}
{%- endif %}


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        # __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
        SESSION_COOKIE_NAME="__Host-session" if settings.production else "session",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Lax: the cookie must come back on sgID's redirect
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )
{%- if cookiecutter.session_store == "database" %}
    app.config.update(
        SQLALCHEMY_DATABASE_URI=_sqlite_next_to_cwd(settings.database_url),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        SESSION_TYPE="sqlalchemy",
        SESSION_SQLALCHEMY_TABLE="sessions",
        SESSION_SERIALIZATION_FORMAT="json",
        SESSION_CLEANUP_N_REQUESTS=100,  # SQL has no TTL: purge expired rows now and then
    )
    # One SQLAlchemy per app: Flask-Session defines its table on this instance's metadata.
    app.config["SESSION_SQLALCHEMY"] = db = SQLAlchemy(app)
    with app.app_context():
        # Every wait on PostgreSQL bounded (store_limits.py), before the first connection.
        guard_engine(db.engine)
    Session(app)
    _no_retry_sleeps(app.session_interface)
    _guard_store(app)
{%- elif cookiecutter.session_store == "redis" %}
    app.config.update(
        SESSION_TYPE="redis",
        # Without timeouts a stalled Redis would hang every worker.
        SESSION_REDIS=redis.Redis.from_url(settings.redis_url, **redis_options()),
        SESSION_KEY_PREFIX="{{ cookiecutter.package_name }}:session:",
        SESSION_SERIALIZATION_FORMAT="json",
    )
    Session(app)
    _guard_store(app)
{%- else %}
    app.session_interface = EncryptedCookieSessionInterface(
        SessionSealer(settings.secret_key, settings.session_max_hours * 3600)
    )
{%- endif %}


def rotate_session_id(session) -> None:
    """Give the session a new id after login, so an id seen before login is worth nothing."""
{%- if cookiecutter.session_store == "cookie" %}
    # The sealed cookie is re-encrypted with a fresh nonce on every change: nothing to rotate.
    session.modified = True
{%- else %}
    current_app.session_interface.regenerate(session)
{%- endif %}


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
{%- if cookiecutter.session_store == "cookie" %}
    return current_app.session_interface.sealer.fits_at_login(dict(session))
{%- else %}
    return True  # a server-side store has no 4 kB limit
{%- endif %}


def store_is_reachable() -> bool:
{%- if cookiecutter.session_store == "database" %}
    try:
        with store_slot(), current_app.extensions["sqlalchemy"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Wait for a busy SQLite file instead of failing at once under concurrent requests.
        return {"connect_args": database_connect_args(url)}
    return {"pool_pre_ping": True, "pool_timeout": 2, "connect_args": database_connect_args(url)}


def _no_retry_sleeps(interface) -> None:
    """Query the database once per call, without Flask-Session's retries.

    Flask-Session retries every query twice after sleeping 0.3 s then 0.6 s, which holds a
    worker for seconds while the database is down; pool_pre_ping already replaces connections
    that a restart closed. functools.wraps keeps each undecorated method as __wrapped__.
    """
    for name in (
        "_retrieve_session_data",
        "_upsert_session",
        "_delete_session",
        "_delete_expired_sessions",
    ):
        method = getattr(type(interface), name)
        setattr(interface, name, getattr(method, "__wrapped__", method).__get__(interface))
    # The purge of expired rows runs before a random request (SESSION_CLEANUP_N_REQUESTS), even
    # /healthz: while the database is down it is skipped, never turned into that request's 500.
    purge = interface._delete_expired_sessions

    def purge_unless_store_is_down() -> None:
        try:
            with store_slot():
                purge()
        except STORE_ERRORS as exc:
            log.warning("expired-session purge skipped: %s", type(exc).__name__)

    interface._delete_expired_sessions = purge_unless_store_is_down


def _sqlite_next_to_cwd(url: str) -> str:
    """A relative SQLite path means the working directory, as everywhere else in the settings.

    (Flask-SQLAlchemy would otherwise resolve it against the package's instance folder.)
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return url
    path = Path(parsed.database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return parsed.set(database=str(path)).render_as_string(hide_password=False)
{%- elif cookiecutter.session_store == "redis" %}
    try:
        return bool(current_app.config["SESSION_REDIS"].ping())
    except STORE_ERRORS:
        return False
{%- else %}
    return True  # the cookie store has no server side
{%- endif %}
{%- if cookiecutter.session_store != "cookie" %}


class StoreDownSession(NullSession):
    """Stands in for the session while the store cannot be read; Flask never saves it."""


class GuardedSessionInterface(SessionInterface):
    """Flask-Session's interface, with the store's errors turned into errors.StoreUnavailable.

    A failed read gives a StoreDownSession, which _refuse_without_session answers with the
    friendly 503 (nobody is treated as logged in); a failed write raises StoreUnavailable,
    which errors.py answers the same way.
    """

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app, request):
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.inner.open_session(app, request)  # a new visitor: nothing to read
        try:
            with store_slot():
                return self.inner.open_session(app, request)
        except STORE_ERRORS as exc:
            log.warning("session store unavailable: %s", type(exc).__name__)
            return StoreDownSession()

    def save_session(self, app, session, response):
        if getattr(session, "store_failed", False):
            return  # Flask saves again after the error page; one wait per request is enough
        if not session and not session.modified:
            self.inner.save_session(app, session, response)  # nothing to write or delete
            return
        try:
            with store_slot():
                self.inner.save_session(app, session, response)
        except STORE_ERRORS as exc:
            session.store_failed = True
            raise StoreUnavailable from exc

    def regenerate(self, session) -> None:
        try:
            with store_slot():
                self.inner.regenerate(session)
        except STORE_ERRORS as exc:
            raise StoreUnavailable from exc


def _guard_store(app: Flask) -> None:
    app.session_interface = GuardedSessionInterface(app.session_interface)

    @app.before_request
    def _refuse_without_session():
        if request.endpoint not in SESSIONLESS_ENDPOINTS and isinstance(
            session._get_current_object(), StoreDownSession
        ):
            raise StoreUnavailable
{%- else %}


class EncryptedCookieSessionInterface(SessionInterface):
    """Flask's own cookie session, but encrypted instead of only signed (see cookie_crypto.py)."""

    def __init__(self, sealer: SessionSealer):
        self.sealer = sealer

    def open_session(self, app, request):
        data = self.sealer.unseal(request.cookies.get(self.get_cookie_name(app)))
        return SecureCookieSession(data or {})

    def save_session(self, app, session, response):
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not self.should_set_cookie(app, session):
            return
        response.set_cookie(
            name,
            self.sealer.seal(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
        )
{%- endif %}
