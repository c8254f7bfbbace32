"""What the views need of the {{ cookiecutter.session_store }} session store (settings.py configures it)."""
{%- if cookiecutter.session_store == "database" %}

from django.db import DatabaseError, connection
{%- elif cookiecutter.session_store == "redis" %}

import redis
from django.core.cache import cache
{%- else %}

from functools import cache

from django.conf import settings
from django.contrib.sessions.backends import signed_cookies

from ..cookie_crypto import SessionSealer
{%- endif %}


def save_despite_error(request, response):
    """Keep the session's changes on the callback's deliberate 502/503 pages.

    Django saves no session on a 5xx response, but the login attempt the callback used must
    stay used up (see sgid/login.py), so its code is never exchanged twice.
    """
    if response.status_code >= 500 and request.session.modified:
        request.session.save()
{%- if cookiecutter.session_store == "cookie" %}
        # The session is the cookie: send it, as SessionMiddleware does for other statuses.
        response.set_cookie(
            settings.SESSION_COOKIE_NAME,
            request.session.session_key,
            domain=settings.SESSION_COOKIE_DOMAIN,
            path=settings.SESSION_COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=settings.SESSION_COOKIE_HTTPONLY,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )
{%- endif %}
    return response


def store_is_reachable() -> bool:
{%- if cookiecutter.session_store == "database" %}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True
{%- elif cookiecutter.session_store == "redis" %}
    try:
        cache.get("healthz")
    except redis.RedisError:
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
