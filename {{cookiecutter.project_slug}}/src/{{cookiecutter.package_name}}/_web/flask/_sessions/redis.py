"""Sessions in Redis, through Flask-Session (its public configuration and regenerate())."""

import redis
from flask import Flask, current_app
from flask_session import Session

from ..accounts.records import UserRecords
from ..config import Settings
from ..sgid.adapter import Identity
from ..stores.session_store import KEY_PREFIX, redis_options
from .server_store import guard_store, rotate_session_id, session_fits
from .session_cookie import configure_cookie

__all__ = ["init_app", "record_login", "rotate_session_id", "session_fits", "store_is_reachable"]

# redis-py's own timeouts bound each wait (stores/session_store.py).
STORE_ERRORS = (redis.RedisError, OSError)


def init_app(app: Flask, settings: Settings) -> None:
    configure_cookie(app, settings)
    app.config.update(
        SESSION_TYPE="redis",
        # Without timeouts a stalled Redis would hang every worker.
        SESSION_REDIS=redis.Redis.from_url(settings.store_url, **redis_options()),
        SESSION_KEY_PREFIX=KEY_PREFIX,
        SESSION_SERIALIZATION_FORMAT="json",
    )
    Session(app)
    guard_store(app, STORE_ERRORS)
    app.extensions["user_records"] = UserRecords()


def store_is_reachable() -> bool:
    try:
        return bool(current_app.config["SESSION_REDIS"].ping())
    except STORE_ERRORS:
        return False


def record_login(identity: Identity) -> None:
    """Note the login in the app's user records (accounts/records.py: none without a database)."""
    current_app.extensions["user_records"].record_login(identity)
