"""Where sessions live: {{ cookiecutter.session_store }}. Cookie attributes are the same for every store."""

from datetime import timedelta
{%- if cookiecutter.session_store == "database" %}
from pathlib import Path

from flask import Flask, current_app
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ..config import Settings
{%- elif cookiecutter.session_store == "redis" %}

import redis
from flask import Flask, current_app
from flask_session import Session

from ..config import Settings
{%- else %}

from flask import Flask
from flask.sessions import SecureCookieSession, SessionInterface

from ..config import Settings
from ..cookie_crypto import SessionSealer
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
    app.config["SESSION_SQLALCHEMY"] = SQLAlchemy(app)
    Session(app)
{%- elif cookiecutter.session_store == "redis" %}
    app.config.update(
        SESSION_TYPE="redis",
        # Without timeouts a stalled Redis would hang every worker.
        SESSION_REDIS=redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        ),
        SESSION_KEY_PREFIX="{{ cookiecutter.package_name }}:session:",
        SESSION_SERIALIZATION_FORMAT="json",
    )
    Session(app)
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


def store_is_reachable() -> bool:
{%- if cookiecutter.session_store == "database" %}
    try:
        with current_app.extensions["sqlalchemy"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Wait for a busy SQLite file instead of failing at once under concurrent requests.
        return {"connect_args": {"timeout": 5}}
    return {"pool_pre_ping": True, "pool_timeout": 2, "connect_args": {"connect_timeout": 2}}


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
    except redis.RedisError:
        return False
{%- else %}
    return True  # the cookie store has no server side


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
