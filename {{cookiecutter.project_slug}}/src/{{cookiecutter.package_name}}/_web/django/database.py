"""Django's database: its users (models.py, django.contrib.auth) whatever the session store, and
with the database store the sessions too. DATABASE_URL, a SQLite file by default."""

import dj_database_url

from ..stores import database_url
from ..stores.limits import SQLITE_PRAGMAS, database_connect_args

# Also accept the SQLAlchemy spelling of a PostgreSQL URL, so one DATABASE_URL fits every variant.
dj_database_url.register("postgresql+psycopg", "django.db.backends.postgresql")


def databases(url: str) -> dict:
    """Django's DATABASES for this URL (any SQLite path in it already absolute), with the same
    timeouts as every framework's session store."""
    database_url.make_sqlite_folder(url)  # the first start in a fresh folder has no instance/
    default = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # Timeouts (SQLite: waiting for a busy file), as for every framework: see stores/limits.py.
    default["OPTIONS"] = database_connect_args(url)
    if database_url.sqlite_path(url) is not None:
        default["OPTIONS"].update(
            # WAL and synchronous=NORMAL on each new connection, as for the other frameworks (why:
            # stores/limits.py).
            init_command=";".join(SQLITE_PRAGMAS),
            # A save reads, then writes: begun as a writer, it waits its turn (the busy timeout)
            # instead of failing when another writer got there between the two.
            transaction_mode="IMMEDIATE",
        )
    return {"default": default}
