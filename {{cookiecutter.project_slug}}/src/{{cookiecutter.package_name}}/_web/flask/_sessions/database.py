"""Sessions in the database (stores/sql.py), through Flask's own SessionInterface: the cookie
holds a random id, the row holds the session as JSON."""

import json
import secrets
from datetime import UTC, datetime

from flask import Flask, current_app
from flask.sessions import SecureCookieSession, SessionInterface

from ..config import Settings
from ..stores.sql import STORE_ERRORS, SqlSessions
from .session_cookie import configure_cookie
from .store_outage import guard_store


def init_app(app: Flask, settings: Settings) -> None:
    configure_cookie(app, settings)
    store = SqlSessions(settings.store_url)
    store.create_table()  # if missing; serve.py's prepare() does it once before workers start
    app.extensions["session_store"] = store
    app.session_interface = SqlSessionInterface(store)
    guard_store(app, STORE_ERRORS)


def rotate_session_id(session) -> None:
    """Give the session a new id after login, so an id seen before login is worth nothing."""
    current_app.session_interface.regenerate(session)


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return True  # a server-side store has no 4 kB limit


def store_is_reachable() -> bool:
    return current_app.extensions["session_store"].is_reachable()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class StoredSession(SecureCookieSession):
    """A session kept in the database; the cookie holds only its id."""

    def __init__(self, initial: dict | None = None, sid: str | None = None):
        super().__init__(initial)
        self.sid = sid or new_session_id()


class SqlSessionInterface(SessionInterface):
    """Every session lives PERMANENT_SESSION_LIFETIME after its last write; each response
    renews the row and the cookie (login.current_user() ends idle or too old sessions)."""

    def __init__(self, store: SqlSessions):
        self.store = store

    def open_session(self, app, request) -> StoredSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        data = self.store.read(sid) if sid else None
        if data is None:
            # No cookie, or one naming no live session (expired, logged out, or planted by
            # someone else): never adopt its id; a new one is made.
            return StoredSession()
        return StoredSession(json.loads(data), sid)

    def save_session(self, app, session: StoredSession, response) -> None:
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:  # emptied (logout): delete the row and the cookie
                self.store.remove(session.sid)
                response.delete_cookie(name, domain=domain, path=path)
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        lifetime = app.permanent_session_lifetime.total_seconds()
        self.store.write(session.sid, json.dumps(dict(session)).encode("utf-8"), lifetime)
        response.set_cookie(
            name,
            session.sid,
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
        )
        response.vary.add("Cookie")

    def should_set_cookie(self, app, session) -> bool:
        return session.modified or app.config["SESSION_REFRESH_EACH_REQUEST"]

    def get_expiration_time(self, app, session) -> datetime:
        return datetime.now(UTC) + app.permanent_session_lifetime

    def regenerate(self, session: StoredSession) -> None:
        """A new id for the session; the old row is deleted."""
        if session:
            self.store.remove(session.sid)
        session.sid = new_session_id()
        session.modified = True
