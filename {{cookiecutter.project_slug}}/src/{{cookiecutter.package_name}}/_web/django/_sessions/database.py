"""What the views need of the database session store (session_settings.py configures it)."""

import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.db import DatabaseError, connection
from django.utils.crypto import get_random_string

from ..stores.health import ping
from ..stores.limits import PURGE_EVERY, STORE_GUARD, StoreBusy, guard_django_connection
from .server_store import StoreOutageMiddleware, session_fits

__all__ = ["SessionMiddleware", "SessionStore", "session_fits", "store_is_reachable"]

log = logging.getLogger(__name__)
STORE_ERRORS = (DatabaseError, StoreBusy)


def store_is_reachable() -> bool:
    guard_django_connection(connection)
    try:
        with STORE_GUARD.slot(), connection.cursor() as cursor:
            ping(cursor)
    except STORE_ERRORS:
        return False
    return True


class SessionStore(db.SessionStore):
    """Django's database sessions (SESSION_ENGINE names this module), with two queries fewer
    per login: one statement where Django sends a SELECT first."""

    def _get_new_session_key(self) -> str:
        # Django asks whether a random key is taken before it inserts the row; the insert itself
        # fails on a taken key (the primary key), and create() then draws another.
        return get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key: str | None = None) -> None:
        # Django loads the row to delete it (login's key rotation, logout): one DELETE will do.
        session_key = session_key or self.session_key
        if session_key is not None:
            self.model.objects.filter(session_key=session_key).delete()


class SessionMiddleware(StoreOutageMiddleware):
    store_errors = STORE_ERRORS
    responses = 0

    def store_slot(self):
        # Each store operation takes one of a few places per process (stores/limits.py).
        return STORE_GUARD.slot()

    def process_request(self, request):
        # Every wait on PostgreSQL bounded, this thread's connection included (stores/limits.py).
        guard_django_connection(connection)
        return super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        self.responses += 1
        if self.responses % PURGE_EVERY == 0:
            purge_expired_sessions(self.SessionStore)
        return response


def purge_expired_sessions(store) -> None:
    """Delete expired rows, as manage clearsessions does; skipped while the store is down."""
    try:
        with STORE_GUARD.slot():
            store.clear_expired()
    except STORE_ERRORS as exc:
        log.warning("expired-session purge skipped: %s", type(exc).__name__)
