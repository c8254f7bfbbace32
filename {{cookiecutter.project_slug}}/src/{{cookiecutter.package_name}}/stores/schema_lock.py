"""One instance at a time creates the session table, when several start together.

Instances of the app start at the same moment behind a load balancer (or in the tests), and
each creates the session table if it is missing (serve.py's one-time setup). Creation is "look,
then create", so two creations race and one fails: "duplicate key ... pg_type" on PostgreSQL,
"table ... already exists" on SQLite. A PostgreSQL advisory lock, or for SQLite an flock on a
file beside the database, lets one instance create the table while the others wait, then find
it there.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Any number the app's other advisory locks (none today) do not use.
LOCK_KEY = 0x5E551005
POSTGRESQL_URL = re.compile(r"^postgres(ql)?(\+\w+)?://")
SQLITE_FILE_URL = re.compile(r"^sqlite(\+\w+)?:///(?P<path>[^?]+)")


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    if POSTGRESQL_URL.match(database_url):
        with _postgresql_lock(database_url):
            yield
    elif (sqlite := SQLITE_FILE_URL.match(database_url)) and sqlite["path"] != ":memory:":
        with _file_lock(sqlite["path"] + ".lock"):
            yield
    else:  # an in-memory database belongs to one process
        yield


@contextmanager
def _postgresql_lock(database_url: str) -> Iterator[None]:
    import psycopg

    # libpq reads the URL without SQLAlchemy's "+driver" part.
    conninfo = POSTGRESQL_URL.sub("postgresql://", database_url)
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

    # The first start in a fresh folder (a clone, a container) has no instance/ yet.
    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # sessions hold personal data
    with open(path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield
