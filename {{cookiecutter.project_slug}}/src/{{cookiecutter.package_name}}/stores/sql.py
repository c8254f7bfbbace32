"""A starsessions store on one SQL table: a SQLite file by default, PostgreSQL or any
SQLAlchemy URL through DATABASE_URL.

starsessions has stores for Redis and cookies but none for SQL, hence this small one on
SQLAlchemy Core. It uses the ordinary (synchronous) engine in Starlette's thread pool: one
code path for every database, no async drivers to install, and connection pooling and
pre-ping from SQLAlchemy as usual.
"""

import time
from pathlib import Path

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from starlette.concurrency import run_in_threadpool
from starsessions import SessionStore

from ..store_limits import STORE_GUARD, database_connect_args, guard_engine

PURGE_EVERY = 100  # writes between deletions of expired rows (SQL has no TTL of its own)

metadata = MetaData()
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("expires_at", Integer, nullable=False, index=True),  # Unix time
)


class SqlStore(SessionStore):
    def __init__(self, database_url: str):
        self.engine = create_session_engine(database_url)
        self._writes = 0

    def create_table(self) -> None:
        metadata.create_all(self.engine)  # only if it does not exist yet

    def ping(self) -> bool:
        try:
            with STORE_GUARD.slot(), self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def read(self, session_id: str, lifetime: int) -> bytes:
        return await run_in_threadpool(self._read, session_id)

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        await run_in_threadpool(self._write, session_id, data, int(time.time()) + max(ttl, 1))
        return session_id

    async def remove(self, session_id: str) -> None:
        await run_in_threadpool(self._remove, session_id)

    # Each runs in a pool thread and takes one of a few places (store_limits.StoreGuard).

    def _read(self, session_id: str) -> bytes:
        query = select(sessions.c.data).where(
            sessions.c.id == session_id, sessions.c.expires_at > int(time.time())
        )
        with STORE_GUARD.slot(), self.engine.connect() as connection:
            return connection.execute(query).scalar() or b""

    def _write(self, session_id: str, data: bytes, expires_at: int) -> None:
        with STORE_GUARD.slot(), self.engine.begin() as connection:
            changed = connection.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(data=data, expires_at=expires_at)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(sessions).values(id=session_id, data=data, expires_at=expires_at)
                )
            self._writes += 1
            if self._writes % PURGE_EVERY == 0:
                expired = sessions.c.expires_at <= int(time.time())
                connection.execute(delete(sessions).where(expired))

    def _remove(self, session_id: str) -> None:
        with STORE_GUARD.slot(), self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.id == session_id))


def create_session_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database not in (None, "", ":memory:"):
            # A relative path means the working directory, as everywhere else in the settings.
            Path(parsed.database).resolve().parent.mkdir(parents=True, exist_ok=True)
        return create_engine(parsed, connect_args=database_connect_args(url))
    engine = create_engine(
        parsed, pool_pre_ping=True, pool_timeout=2, connect_args=database_connect_args(url)
    )
    guard_engine(engine)  # every wait on PostgreSQL bounded (store_limits.py)
    return engine
