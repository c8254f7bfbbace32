"""Sessions in the database (stores/sql.py), through starsessions' public SessionStore, and
the user records (accounts/records.py) in the same database.

Both are synchronous: here they run in Starlette's thread pool.
"""

from collections.abc import Callable
from typing import TypeVar

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starsessions import SessionStore

from ..accounts.records import UserRecords
from ..config import Settings
from ..pages.error_messages import StoreUnavailable
from ..sgid.adapter import Identity
from ..stores.sql import STORE_ERRORS, SqlSessions
from .server_store import install_store, session_fits
from .session_cookie import Session, rotate_session_id

__all__ = [
    "Session",
    "in_database",
    "install",
    "record_login",
    "rotate_session_id",
    "session_fits",
    "store_is_reachable",
]

T = TypeVar("T")


def install(app: FastAPI, settings: Settings) -> None:
    store = SqlStore(SqlSessions(settings.store_url))
    # The sessions table and the user records' (accounts/records.py), if missing; serve.py's
    # prepare() made them before any worker started.
    store.sessions.create_table_unless_down()
    app.state.user_records = UserRecords(store.sessions.engine)
    install_store(app, settings, store, STORE_ERRORS)


def record_login(app: FastAPI, identity: Identity) -> None:
    """In the thread pool, in the same hop as the sgID calls (auth.py): the friendly 503 when the
    database does not answer."""
    try:
        app.state.user_records.record_login(identity)
    except STORE_ERRORS as exc:
        raise StoreUnavailable from exc


async def in_database(call: Callable[..., T], *args) -> T:
    """`call(*args)`, a UserRecords method say, in the thread pool; a database that does not
    answer makes the page the friendly 503, as it does while sessions cannot be read."""
    try:
        return await run_in_threadpool(call, *args)
    except STORE_ERRORS as exc:
        raise StoreUnavailable from exc


async def store_is_reachable(app: FastAPI) -> bool:
    return await run_in_threadpool(app.state.session_store.sessions.is_reachable)


class SqlStore(SessionStore):
    """starsessions' store interface over the one SQL store."""

    def __init__(self, sessions: SqlSessions):
        self.sessions = sessions

    async def read(self, session_id: str, lifetime: int) -> bytes:
        return await run_in_threadpool(self.sessions.read, session_id) or b""

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        await run_in_threadpool(self.sessions.write, session_id, data, ttl)
        return session_id

    async def remove(self, session_id: str) -> None:
        await run_in_threadpool(self.sessions.remove, session_id)
