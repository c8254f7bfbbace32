"""One instance at a time creates the session table, when several start together.

Instances of the app start at the same moment behind a load balancer (or in the tests), and
each creates the session table if it is missing (serve.py's one-time setup). Creation is "look,
then create", so two creations race and one fails: "duplicate key ... pg_type" on PostgreSQL,
"table ... already exists" on SQLite. A PostgreSQL advisory lock, or for SQLite an flock on a
file beside the database, lets one instance create the table while the others wait, then find
it there.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from . import database_url

# Any number the app's other advisory locks (none today) do not use.
LOCK_KEY = 0x5E551005


@contextmanager
def schema_lock(url: str) -> Iterator[None]:
    if database_url.POSTGRESQL_URL.match(url):
        with _postgresql_lock(url):
            yield
    elif (path := database_url.sqlite_path(url)) is not None:
        database_url.make_sqlite_folder(url)
        with _file_lock(path + ".lock"):
            yield
    else:  # an in-memory database belongs to one process
        yield


@contextmanager
def _postgresql_lock(url: str) -> Iterator[None]:
    import psycopg

    conninfo = database_url.libpq(url)
    with psycopg.connect(conninfo, connect_timeout=10, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    # fcntl is POSIX, like gunicorn and the container image. The lock goes with the file's
    # closing, even if the process dies holding it; the empty .lock file stays, harmless.
    import fcntl

    with open(path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield
