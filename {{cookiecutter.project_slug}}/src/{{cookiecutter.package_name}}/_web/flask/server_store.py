"""What the server-side session stores (database, redis) share: a friendly 503 while the store
is down, the session id's rotation at login, and no size limit."""

import logging

from flask import Flask, current_app, request, session
from flask.sessions import NullSession, SessionInterface

from ..pages.error_messages import StoreUnavailable

log = logging.getLogger(__name__)
# Pages that answer without the session, even while the store is down.
SESSIONLESS_ENDPOINTS = {"static", "views.healthz"}


def rotate_session_id(session) -> None:
    """Give the session a new id after login, so an id seen before login is worth nothing."""
    current_app.session_interface.regenerate(session)


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return True  # a server-side store has no 4 kB limit


class StoreDownSession(NullSession):
    """Stands in for the session while the store cannot be read; Flask never saves it."""


class GuardedSessionInterface(SessionInterface):
    """A store's session interface, with its errors turned into errors.StoreUnavailable.

    A failed read gives a StoreDownSession, which _refuse_without_session answers with the
    friendly 503 (nobody is treated as logged in); a failed write raises StoreUnavailable,
    which pages/error_messages.py answers the same way.
    """

    def __init__(self, inner: SessionInterface, store_errors: tuple[type[Exception], ...]):
        self.inner = inner
        self.store_errors = store_errors

    def open_session(self, app, request):
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.inner.open_session(app, request)  # a new visitor: nothing to read
        try:
            return self.inner.open_session(app, request)
        except self.store_errors as exc:
            log.warning("session store unavailable: %s", type(exc).__name__)
            return StoreDownSession()

    def save_session(self, app, session, response):
        if getattr(session, "store_failed", False):
            return  # Flask saves again after the error page; one wait per request is enough
        if not session and not session.modified:
            self.inner.save_session(app, session, response)  # nothing to write or delete
            return
        try:
            self.inner.save_session(app, session, response)
        except self.store_errors as exc:
            session.store_failed = True
            raise StoreUnavailable from exc

    def regenerate(self, session) -> None:
        try:
            self.inner.regenerate(session)
        except self.store_errors as exc:
            raise StoreUnavailable from exc


def guard_store(app: Flask, store_errors: tuple[type[Exception], ...]) -> None:
    app.session_interface = GuardedSessionInterface(app.session_interface, store_errors)

    @app.before_request
    def _refuse_without_session():
        if request.endpoint not in SESSIONLESS_ENDPOINTS and isinstance(
            session._get_current_object(), StoreDownSession
        ):
            raise StoreUnavailable
