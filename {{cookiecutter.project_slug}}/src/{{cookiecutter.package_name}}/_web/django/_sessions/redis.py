"""What the views need of the Redis session store (session_settings.py configures it)."""

import redis
from django.contrib.sessions.backends import cache as cache_sessions
from django.core.cache import cache

from .server_store import StoreOutageMiddleware, session_fits

__all__ = ["SessionMiddleware", "session_fits", "store_is_reachable"]

# redis-py's own timeouts bound each wait (stores/session_store.py).
STORE_ERRORS = (redis.RedisError, OSError)


def store_is_reachable() -> bool:
    try:
        cache.get("healthz")
    except STORE_ERRORS:
        return False
    return True


class SessionMiddleware(StoreOutageMiddleware):
    store_errors = STORE_ERRORS


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
