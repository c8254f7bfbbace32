"""Sessions in the database (stores/sql.py), through Flask's own SessionInterface: the cookie
holds a random id, the row holds the session as JSON."""

import json
import logging
import secrets
from datetime import UTC, datetime

from flask import Flask, current_app, session
from flask.sessions import SecureCookieSession, SessionInterface

from ..accounts.records import UserRecords
from ..config import Settings
from ..pages.error_messages import StoreUnavailable
from ..sgid.adapter import Identity
from ..stores.sql import STORE_ERRORS, SqlSessions
from .server_store import guard_store, rotate_session_id, session_fits
from .session_cookie import configure_cookie, set_session_cookie

__all__ = ["init_app", "record_login", "rotate_session_id", "session_fits", "store_is_reachable"]

log = logging.getLogger(__name__)


def init_app(app: Flask, settings: Settings) -> None:
    configure_cookie(app, settings)
    store = SqlSessions(settings.store_url)
    store.create_table_unless_down()  # serve.py's prepare() made them before any worker
    app.extensions["session_store"] = store
    # The app's user records live beside the sessions; their table is made with the sessions'.
    app.extensions["user_records"] = UserRecords(store.engine)
    app.session_interface = SqlSessionInterface(store)
    guard_store(app, STORE_ERRORS)


def store_is_reachable() -> bool:
    return current_app.extensions["session_store"].is_reachable()


def record_login(identity: Identity) -> None:
    """Note the login in the app's user records (accounts/records.py); while the database is
    down, the friendly 503 instead, and nobody is logged in without their record."""
    try:
        current_app.extensions["user_records"].record_login(identity)
    except STORE_ERRORS as exc:
        log.warning("login not recorded, so refused: %s", type(exc).__name__)
        session.clear()
        raise StoreUnavailable from exc


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class StoredSession(SecureCookieSession):
    """A session kept in the database; the cookie holds only its id."""

    def __init__(self, initial: dict | None = None, sid: str | None = None):
        super().__init__(initial)
        self.sid = sid or new_session_id()


class SqlSessionInterface(SessionInterface):
    """Every session lives PERMANENT_SESSION_LIFETIME after its last write. Only a changed
    session is written, renewing the row and the cookie: login.current_user() touches the
    last-seen time at most once a minute, and ends idle or too old sessions."""

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
        set_session_cookie(self, app, session, response, session.sid)
        response.vary.add("Cookie")

    def should_set_cookie(self, app, session) -> bool:
        return session.modified  # an unchanged session costs the store nothing

    def get_expiration_time(self, app, session) -> datetime:
        return datetime.now(UTC) + app.permanent_session_lifetime

    def regenerate(self, session: StoredSession) -> None:
        """A new id for the session; the old row is deleted."""
        if session:
            self.store.remove(session.sid)
        session.sid = new_session_id()
        session.modified = True
