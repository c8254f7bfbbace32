"""The chosen session store: a SQL database (a SQLite file by default, PostgreSQL or any
SQLAlchemy URL through DATABASE_URL)."""

from collections.abc import Callable
from contextlib import AbstractContextManager

from . import database_url
from .health import TIMEOUT, ping, unreachable
from .schema_lock import schema_lock

VARIABLE = "DATABASE_URL"


def read_url(env, check_url: Callable) -> str:
    """DATABASE_URL from config's reader `env`; any SQLAlchemy URL goes, so no scheme check."""
    return database_url.absolute(env.get(VARIABLE, database_url.DEFAULT))


def store_problem(url: str) -> str | None:
    """The one-line problem if the database does not answer within TIMEOUT seconds."""
    if not database_url.POSTGRESQL_URL.match(url):
        return None  # SQLite is a file on this machine, created on first use: nothing to reach
    import psycopg

    try:
        with psycopg.connect(database_url.libpq(url), connect_timeout=TIMEOUT) as connection:
            ping(connection)
    except psycopg.Error as exc:
        return unreachable(VARIABLE, url, exc)
    return None


def setup_lock(url: str) -> AbstractContextManager:
    """Held around the one-time setup (creating the session table): instances take turns."""
    return schema_lock(url)
