"""Sessions in Redis, through starsessions' RedisStore."""

from fastapi import FastAPI
from redis.asyncio import Redis, RedisError
from starsessions.stores.redis import RedisStore

from ..config import Settings
from ..stores.session_store import KEY_PREFIX, redis_options
from .server_store import install_store, session_fits
from .session_cookie import Session, rotate_session_id

__all__ = ["Session", "install", "rotate_session_id", "session_fits", "store_is_reachable"]

# redis-py's own timeouts bound each wait (stores/session_store.py).
STORE_ERRORS = (RedisError, OSError)


def install(app: FastAPI, settings: Settings) -> None:
    # Without timeouts a stalled Redis would hang every request.
    app.state.redis = Redis.from_url(settings.store_url, **redis_options(asyncio=True))
    store = RedisStore(connection=app.state.redis, prefix=KEY_PREFIX)
    install_store(app, settings, store, STORE_ERRORS)


async def store_is_reachable(app: FastAPI) -> bool:
    try:
        return bool(await app.state.redis.ping())
    except STORE_ERRORS:
        return False
