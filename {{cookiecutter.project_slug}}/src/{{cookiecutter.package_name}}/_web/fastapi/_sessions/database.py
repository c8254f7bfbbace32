"""Sessions in the database (stores/sql.py), through starsessions' public SessionStore.

The one SQL store is synchronous: here it runs in Starlette's thread pool.
"""

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starsessions import SessionStore

from ..config import Settings
from ..stores.sql import STORE_ERRORS, SqlSessions
from .server_store import install_store, session_fits
from .session_cookie import Session, rotate_session_id

__all__ = ["Session", "install", "rotate_session_id", "session_fits", "store_is_reachable"]


def install(app: FastAPI, settings: Settings) -> None:
    store = SqlStore(SqlSessions(settings.store_url))
    store.sessions.create_table()  # if missing; serve.py's prepare() does it once beforehand
    install_store(app, settings, store, STORE_ERRORS)


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
