"""Django's settings for the Redis session store (settings.py imports them)."""

import os
import warnings

from django.core.cache import CacheKeyWarning

from ..config import load_settings
from ..stores import database_url
from ..stores.session_store import redis_options
from .database import databases

WEB = __package__
USERS_DATABASE = "sqlite:///instance/users.sqlite3"  # DATABASE_URL's default

SESSION_APPS: list[str] = []
SESSION_ENGINE = f"{WEB}.sessions"  # Django's cache sessions, not hiding Redis errors
SESSION_MIDDLEWARE = f"{WEB}.sessions.SessionMiddleware"  # a friendly 503 while it is down

_settings = load_settings()  # also reads .env into the environment
# Sessions live in Redis; Django's users in a SQL database, a SQLite file by default.
DATABASE_URL = database_url.absolute(os.environ.get("DATABASE_URL") or USERS_DATABASE)
DATABASES = databases(DATABASE_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _settings.store_url,
        "KEY_PREFIX": "{{ cookiecutter.package_name }}",
        # Without timeouts a stalled Redis would hang every worker (stores/session_store.py).
        "OPTIONS": redis_options(),
    }
}
# Memcached's key rules do not bind Redis, and the warning would copy a session id a client
# sent into the log; Django's docs suggest silencing it for such backends.
warnings.simplefilter("ignore", CacheKeyWarning)
