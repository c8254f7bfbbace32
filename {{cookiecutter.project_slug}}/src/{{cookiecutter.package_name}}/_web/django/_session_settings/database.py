"""Django's settings for the database session store (settings.py imports them)."""

from ..config import load_settings
from .database import databases

WEB = __package__

SESSION_APPS = ["django.contrib.sessions"]
SESSION_ENGINE = f"{WEB}.sessions"  # Django's db backend, less a query (sessions.py)
SESSION_MIDDLEWARE = f"{WEB}.sessions.SessionMiddleware"  # a friendly 503 while it is down

# The sessions and the users share the one database (config.py has made a SQLite path absolute).
DATABASE_URL = load_settings().store_url
DATABASES = databases(DATABASE_URL)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
