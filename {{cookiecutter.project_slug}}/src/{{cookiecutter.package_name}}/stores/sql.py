"""The SQL session store behind Flask and FastAPI: one table, on SQLAlchemy Core's public API.

A SQLite file by default, PostgreSQL or any SQLAlchemy URL through DATABASE_URL. It is
synchronous: Flask calls it in its worker thread, FastAPI in Starlette's thread pool; one code
path for every database, no async drivers, and SQLAlchemy's pooling and pre-ping as usual.
Each operation takes one of a few places per process (limits.StoreGuard), so a silent
PostgreSQL cannot hold every worker. (Django keeps its own database session backend.)
"""

import importlib
import logging
import time

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..sgid.adapter import SERVER_THREADS
from . import database_url
from .health import ping
from .limits import (
    MAX_WAITING,
    PURGE_EVERY,
    SQLITE_PRAGMAS,
    STORE_GUARD,
    StoreBusy,
    database_connect_args,
    guard_engine,
)

log = logging.getLogger(__name__)
# What a store operation raises when the database is down, stalled or too busy.
STORE_ERRORS = (SQLAlchemyError, StoreBusy)

metadata = MetaData()
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("expires_at", Integer, nullable=False, index=True),  # Unix time
)


# In an Upsert's on_conflict: the value the new row brings (else an expression on the stored row).
NEW = object()


class Upsert:
    """Insert a row, or where its key is taken, set the stored row's `on_conflict` columns, in
    one statement: INSERT ... ON CONFLICT DO UPDATE, which SQLite and PostgreSQL both have
    (SQLAlchemy offers it per dialect, not in Core). On any other database: an UPDATE, then an
    INSERT if it changed nothing. Built once: SQLAlchemy then neither builds nor looks up the
    statement's cache key on each call, about half of a small statement's cost. For example,
    on_conflict={"last_login": NEW, "logins": users.c.logins + 1} keeps a person's first login
    and counts the others.
    """

    def __init__(self, engine: Engine, table: Table, *, key: str, on_conflict: dict):
        self.table, self.key, self.on_conflict = table, key, on_conflict
        self.statement = None
        if engine.dialect.name in ("sqlite", "postgresql"):
            dialect = importlib.import_module(f"sqlalchemy.dialects.{engine.dialect.name}")
            statement = dialect.insert(table)
            self.statement = statement.on_conflict_do_update(
                index_elements=[table.c[key]], set_=self._updates(statement.excluded)
            )

    def _updates(self, new) -> dict:
        """What a taken key's row gets: NEW columns from `new` (the row, or SQL's excluded)."""
        return {
            name: new[name] if value is NEW else value for name, value in self.on_conflict.items()
        }

    def __call__(self, connection: Connection, row: dict) -> None:
        if self.statement is not None:
            connection.execute(self.statement, row)
            return
        table = self.table
        where = table.c[self.key] == row[self.key]
        if not connection.execute(update(table).where(where).values(self._updates(row))).rowcount:
            connection.execute(insert(table).values(row))


# Statements built once, their values bound per call (see Upsert).
READ = select(sessions.c.data).where(
    sessions.c.id == bindparam("id"), sessions.c.expires_at > bindparam("now")
)
REMOVE = delete(sessions).where(sessions.c.id == bindparam("id"))
PURGE = delete(sessions).where(sessions.c.expires_at <= bindparam("now"))


class SqlSessions:
    """Session records by id: read, write, remove, and the purge of expired rows."""

    def __init__(self, url: str):
        self.engine = create_session_engine(url)
        self._write = Upsert(
            self.engine, sessions, key="id", on_conflict={"data": NEW, "expires_at": NEW}
        )
        self._writes = 0

    def create_table(self) -> None:
        """The sessions table and any other on `metadata` (accounts/records.py's users), each
        only if it does not exist yet."""
        metadata.create_all(self.engine)

    def create_table_unless_down(self) -> None:
        """create_table() as a process starts, the store's outage logged rather than raised.

        serve.py's prepare() made the tables before any worker started, right after checking
        that the store answers. A worker that starts during an outage later (gunicorn replacing
        one, or a slow one still booting when the store went down) must boot and answer the
        friendly 503 until the store is back: a worker that fails to boot stops gunicorn
        altogether, and with it every page of the instance.
        """
        try:
            self.create_table()
        except STORE_ERRORS as exc:
            log.warning(
                "session store unreachable as this process starts (%s): tables not checked",
                type(exc).__name__,
            )

    def is_reachable(self) -> bool:
        try:
            with STORE_GUARD.slot(), self.engine.connect() as connection:
                ping(connection)
        except Exception:
            return False
        return True

    def read(self, session_id: str) -> bytes | None:
        """The record's data, or None if there is none or it has expired."""
        with STORE_GUARD.slot(), self.engine.connect() as connection:
            return connection.execute(READ, {"id": session_id, "now": int(time.time())}).scalar()

    def write(self, session_id: str, data: bytes, seconds: float) -> None:
        """Store the record for `seconds` from now (at least one)."""
        expires_at = int(time.time()) + max(int(seconds), 1)
        with STORE_GUARD.slot(), self.engine.begin() as connection:
            self._write(connection, {"id": session_id, "data": data, "expires_at": expires_at})
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            self.purge_expired()

    def remove(self, session_id: str) -> None:
        with STORE_GUARD.slot(), self.engine.begin() as connection:
            connection.execute(REMOVE, {"id": session_id})

    def purge_expired(self) -> None:
        """Delete expired rows (SQL has no TTL of its own); skipped while the store is down,
        never turned into the error of the request that happened to trigger it."""
        try:
            with STORE_GUARD.slot(), self.engine.begin() as connection:
                connection.execute(PURGE, {"now": int(time.time())})
        except STORE_ERRORS as exc:
            log.warning("expired-session purge skipped: %s", type(exc).__name__)


# PostgreSQL connections per process. A process serves SERVER_THREADS requests at once (gunicorn's
# threads; FastAPI's store calls run in its thread pool), and StoreGuard lets at most MAX_WAITING
# of them use the store at once: more connections would sit idle, fewer would make requests
# queue while the database has room. No overflow beyond it, so an instance holds at most
# WEB_CONCURRENCY (workers) x POOL_SIZE connections: 2 x 8 = 16 by default, about six
# instances within PostgreSQL's default max_connections of 100. (SQLAlchemy's own default,
# 5 + 10 overflow, neither follows the threads nor caps the total.)
POOL_SIZE = min(SERVER_THREADS, MAX_WAITING)


def create_session_engine(url: str) -> Engine:
    """An engine with the store's timeouts; config.py has made a SQLite path absolute."""
    database_url.make_sqlite_folder(url)
    if database_url.sqlite_path(url) is not None or url.startswith("sqlite"):
        engine = create_engine(url, connect_args=database_connect_args(url))
        if database_url.sqlite_path(url) is not None:  # a file, not :memory:
            event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_pre_ping=True,
        pool_timeout=2,
        connect_args=database_connect_args(url),
    )
    guard_engine(engine)  # every wait on PostgreSQL bounded (limits.py)
    return engine


def _set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and synchronous=NORMAL on each new SQLite connection (why: limits.SQLITE_PRAGMAS)."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()
