"""Sessions in Redis, through starsessions' RedisStore."""

from fastapi import FastAPI
from redis.asyncio import Redis, RedisError
from starsessions.stores.redis import RedisStore

from ..accounts.records import UserRecords
from ..config import Settings
from ..sgid.adapter import Identity
from ..stores.session_store import KEY_PREFIX, redis_options
from .server_store import install_store, session_fits
from .session_cookie import Session, rotate_session_id

__all__ = [
    "Session",
    "install",
    "record_login",
    "rotate_session_id",
    "session_fits",
    "store_is_reachable",
]

# redis-py's own timeouts bound each wait (stores/session_store.py).
STORE_ERRORS = (RedisError, OSError)


def install(app: FastAPI, settings: Settings) -> None:
    app.state.user_records = UserRecords()  # keeps nothing: no database (see there)
    # Without timeouts a stalled Redis would hang every request.
    app.state.redis = Redis.from_url(settings.store_url, **redis_options(asyncio=True))
    store = RedisStore(connection=app.state.redis, prefix=KEY_PREFIX)
    install_store(app, settings, store, STORE_ERRORS)


def record_login(app: FastAPI, identity: Identity) -> None:
    """In the thread pool with the sgID calls (auth.py): records that keep nothing, or write to a
    database of yours, run there."""
    app.state.user_records.record_login(identity)


async def store_is_reachable(app: FastAPI) -> bool:
    try:
        return bool(await app.state.redis.ping())
    except STORE_ERRORS:
        return False
