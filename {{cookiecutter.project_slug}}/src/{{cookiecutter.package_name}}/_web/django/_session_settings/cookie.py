"""Django's settings for the encrypted cookie session store (settings.py imports them)."""

import os

from ..config import load_settings
from ..stores import database_url
from .database import databases

WEB = __package__
USERS_DATABASE = "sqlite:///instance/users.sqlite3"  # DATABASE_URL's default

SESSION_APPS: list[str] = []
# Django's own signed_cookies store is readable by anyone holding the cookie; this one encrypts.
SESSION_ENGINE = f"{WEB}.sessions"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"

load_settings()  # checks the settings, and reads .env into the environment
# Sessions live in the cookie; Django's users in a SQL database, a SQLite file by default.
DATABASE_URL = database_url.absolute(os.environ.get("DATABASE_URL") or USERS_DATABASE)
DATABASES = databases(DATABASE_URL)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
