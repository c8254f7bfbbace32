"""Django's settings for the Redis session store (settings.py imports them)."""

import warnings

from django.core.cache import CacheKeyWarning

from ..config import load_settings
from ..stores.session_store import redis_options

WEB = __package__

SESSION_APPS: list[str] = []
SESSION_ENGINE = f"{WEB}.sessions"  # Django's cache sessions, not hiding Redis errors
SESSION_MIDDLEWARE = f"{WEB}.sessions.SessionMiddleware"  # a friendly 503 while it is down
DATABASES: dict = {}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": load_settings().store_url,
        "KEY_PREFIX": "{{ cookiecutter.package_name }}",
        # Without timeouts a stalled Redis would hang every worker (stores/session_store.py).
        "OPTIONS": redis_options(),
    }
}
# Memcached's key rules do not bind Redis, and the warning would copy a session id a client
# sent into the log; Django's docs suggest silencing it for such backends.
warnings.simplefilter("ignore", CacheKeyWarning)
