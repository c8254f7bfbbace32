"""The chosen session store: the Redis server every instance shares (REDIS_URL).

When Redis is down or stalled, pages that need the session must answer within about 2 s (a
friendly 503) rather than hold a worker: short timeouts, and at most one immediate retry, which
covers a pooled connection that a restart closed. redis-py reconnects by itself when Redis is
back, so the app recovers without a restart.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from .health import TIMEOUT, unreachable

VARIABLE = "REDIS_URL"
DEFAULT_URL = "redis://127.0.0.1:6379/0"
SCHEMES = ("redis", "rediss", "unix")
KEY_PREFIX = "{{ cookiecutter.package_name }}:session:"


def read_url(env, check_url: Callable) -> str:
    return check_url(env, VARIABLE, DEFAULT_URL, SCHEMES)


def store_problem(url: str) -> str | None:
    """The one-line problem if Redis does not answer within TIMEOUT seconds."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return unreachable(VARIABLE, url, exc)
    finally:
        client.close()
    return None


def setup_lock(url: str) -> AbstractContextManager:
    return nullcontext()  # Redis needs no schema


def redis_options(asyncio: bool = False) -> dict:
    """Keyword arguments for redis-py's client or connection pool (asyncio or not)."""
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_timeout": 0.8,
        "socket_connect_timeout": 0.8,
        # redis-py retries 3 times with backoff by default: up to 4 waits on a stalled server.
        "retry": (AsyncRetry if asyncio else Retry)(NoBackoff(), 1),
        # No health checks: on a silent server, a new connection's check (a PING with its own
        # retry) doubled the wait to 3.2 s. The retry above replaces a dead connection anyway.
        "health_check_interval": 0,
    }
