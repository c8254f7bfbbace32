"""Sessions in Redis, through starsessions' RedisStore."""

from fastapi import FastAPI, Request
from redis.asyncio import Redis, RedisError
from starsessions.stores.redis import RedisStore

from ..config import Settings
from ..stores.session_store import KEY_PREFIX, redis_options
from .session_cookie import Session, add_session_middleware, rotate_session_id
from .store_outage import GuardedSessionMiddleware, GuardedStore

__all__ = ["Session", "install", "rotate_session_id", "session_fits", "store_is_reachable"]

# redis-py's own timeouts bound each wait (stores/session_store.py).
STORE_ERRORS = (RedisError, OSError)


def install(app: FastAPI, settings: Settings) -> None:
    # Without timeouts a stalled Redis would hang every request.
    app.state.redis = Redis.from_url(settings.store_url, **redis_options(asyncio=True))
    store = RedisStore(connection=app.state.redis, prefix=KEY_PREFIX)
    app.state.session_store = store
    add_session_middleware(
        app, settings, GuardedStore(store, STORE_ERRORS), GuardedSessionMiddleware
    )


def session_fits(request: Request, session: dict) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return True  # a server-side store has no 4 kB limit


async def store_is_reachable(app: FastAPI) -> bool:
    try:
        return bool(await app.state.redis.ping())
    except STORE_ERRORS:
        return False
