"""Django's settings for the database session store (settings.py imports them)."""

import dj_database_url

from ..config import load_settings
from ..stores import database_url
from ..stores.limits import SQLITE_PRAGMAS, database_connect_args

_url = load_settings().store_url
WEB = __package__

SESSION_APPS = ["django.contrib.sessions"]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_MIDDLEWARE = f"{WEB}.sessions.SessionMiddleware"  # a friendly 503 while it is down

# Also accept the SQLAlchemy spelling of a PostgreSQL URL, so one DATABASE_URL fits every variant.
dj_database_url.register("postgresql+psycopg", "django.db.backends.postgresql")
# config.py has made a SQLite path absolute; its folder may not exist yet.
database_url.make_sqlite_folder(_url)
DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=60, conn_health_checks=True)}
# Timeouts (SQLite: waiting for a busy file), as for every framework: see stores/limits.py.
DATABASES["default"]["OPTIONS"] = database_connect_args(_url)
if database_url.sqlite_path(_url) is not None:
    DATABASES["default"]["OPTIONS"].update(
        # WAL and synchronous=NORMAL on each new connection, as for the other frameworks (why:
        # stores/limits.py).
        init_command=";".join(SQLITE_PRAGMAS),
        # A session save reads, then writes: begun as a writer, it waits its turn (the busy
        # timeout) instead of failing when another writer got there between the two.
        transaction_mode="IMMEDIATE",
    )
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
