"""What the views need of the {{ cookiecutter.session_store }} session store (settings.py configures it)."""
{%- if cookiecutter.session_store == "database" %}

import logging
from contextlib import nullcontext

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError, connection

from ..pages.error_messages import STORE_RETRY_AFTER, STORE_UNAVAILABLE
from ..store_limits import STORE_GUARD, StoreBusy, guard_django_connection
{%- elif cookiecutter.session_store == "redis" %}

import logging
from contextlib import nullcontext

import redis
from django.contrib.sessions.backends import cache as cache_sessions
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.cache import cache

from ..pages.error_messages import STORE_RETRY_AFTER, STORE_UNAVAILABLE
{%- else %}

from functools import cache

from django.conf import settings
from django.contrib.sessions.backends import signed_cookies

from ..cookie_crypto import SessionSealer
{%- endif %}
{%- if cookiecutter.session_store != "cookie" %}

log = logging.getLogger(__name__)
{%- if cookiecutter.session_store == "database" %}
STORE_ERRORS = (DatabaseError, StoreBusy)
# Each store operation takes one of a few places per process (store_limits.StoreGuard).
store_slot = STORE_GUARD.slot
PURGE_EVERY = 100  # responses between deletions of expired rows (SQL has no TTL of its own)
{%- else %}
STORE_ERRORS = (redis.RedisError, OSError)
store_slot = nullcontext  # redis-py's own timeouts bound each wait (store_limits.py)
{%- endif %}
{%- endif %}


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
{%- if cookiecutter.session_store == "cookie" %}
    return _sealer().fits_at_login(dict(session.items()))
{%- else %}
    return True  # a server-side store has no 4 kB limit
{%- endif %}


def store_is_reachable() -> bool:
{%- if cookiecutter.session_store == "database" %}
    guard_django_connection(connection)
    try:
        with store_slot(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except STORE_ERRORS:
        return False
    return True
{%- elif cookiecutter.session_store == "redis" %}
    try:
        cache.get("healthz")
    except STORE_ERRORS:
        return False
    return True
{%- else %}
    return True  # the cookie store has no server side


class SessionStore(signed_cookies.SessionStore):
    """Django's cookie session, but encrypted instead of only signed (see cookie_crypto.py)."""

    def load(self):
        data = _sealer().unseal(self.session_key)
        if data is None:  # missing, tampered, foreign or expired: start afresh
            self.create()
            return {}
        return data

    def _get_session_key(self):
        return _sealer().seal(self._session)


@cache
def _sealer() -> SessionSealer:
    return SessionSealer(settings.SECRET_KEY, settings.SESSION_COOKIE_AGE)
{%- endif %}
{%- if cookiecutter.session_store != "cookie" %}


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, answering the friendly 503 while the store is down.

    The session is read here, before any view or the CSRF check, when the browser sent a
    session id: if the store cannot answer, nobody can be told apart, so nobody is treated as
    logged in. Failed writes (in a view, or after it) get the same page.
    """

    def process_request(self, request):
{%- if cookiecutter.session_store == "database" %}
        # Every wait on PostgreSQL bounded, this thread's connection included (store_limits.py).
        guard_django_connection(connection)
{%- endif %}
        super().process_request(request)
        if request.session.session_key is None:
            return None  # a new visitor: nothing to read
        try:
            # Loads the session now; only a session id sent by the browser reaches the store.
            with store_slot():
                request.session.get("_")
        except STORE_ERRORS as exc:
            return store_unavailable(request, exc)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, STORE_ERRORS):
            return store_unavailable(request, exception)
        return None

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        # Only a session with something to write or delete reaches the store.
        needs_store = session is not None and (session.modified or session.session_key)
        try:
            with store_slot() if needs_store else nullcontext():
                response = super().process_response(request, response)
{%- if cookiecutter.session_store == "database" %}
            self.responses = getattr(self, "responses", 0) + 1
            if self.responses % PURGE_EVERY == 0:
                purge_expired_sessions(self.SessionStore)
{%- endif %}
        except STORE_ERRORS as exc:
            return store_unavailable(request, exc)
        return response
{%- if cookiecutter.session_store == "database" %}


def purge_expired_sessions(store) -> None:
    """Delete expired rows, as manage clearsessions does; skipped while the store is down."""
    try:
        with store_slot():
            store.clear_expired()
    except STORE_ERRORS as exc:
        log.warning("expired-session purge skipped: %s", type(exc).__name__)
{%- endif %}


def store_unavailable(request, exc: Exception):
    from .error_handlers import render_error

    log.warning("session store unavailable: %s", type(exc).__name__)
    response = render_error(request, STORE_UNAVAILABLE)
    response["Retry-After"] = STORE_RETRY_AFTER
    return response
{%- endif %}
{%- if cookiecutter.session_store == "redis" %}


class SessionStore(cache_sessions.SessionStore):
    """Django's cache session, where a Redis outage is an error rather than no session.

    Django's own load() reads any error as "no such session" (memcached refuses some keys),
    which would quietly log people out and start new sessions while Redis is down.
    """

    def load(self):
        data = self._cache.get(self.cache_key)
        if data is not None:
            return data
        self._session_key = None
        return {}
{%- endif %}
