"""Part of the production gate: serve.py refuses to start when the session store does not answer.

Without it the server would start, pass a port check, and fail every login; here it stops at
once with one line naming the variable to fix (and never the password in it). serve.py passes
store_problem to load_settings, so the line comes in the same report as every other problem.
"""

from urllib.parse import urlsplit, urlunsplit

from .config import ConfigError, Settings

TIMEOUT = 2  # seconds; libpq's shortest connect timeout
{%- if cookiecutter.session_store == "redis" %}
VARIABLE = "REDIS_URL"
{%- else %}
VARIABLE = "DATABASE_URL"
{%- endif %}


def check_store(settings: Settings) -> None:
    """Raise ConfigError unless the session store answers within TIMEOUT seconds."""
{%- if cookiecutter.session_store == "redis" %}
    problem = store_problem(settings.redis_url)
{%- else %}
    problem = store_problem(settings.database_url)
{%- endif %}
    if problem:
        raise ConfigError([problem])


def store_problem(url: str) -> str | None:
    """The one-line problem if the session store at url does not answer within TIMEOUT seconds."""
{%- if cookiecutter.session_store == "redis" %}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return _unreachable(url, exc)
    finally:
        client.close()
    return None
{%- else %}
    if url.startswith("sqlite"):
        return None  # a file on this machine, created on first use: nothing to reach
{%- if cookiecutter.framework == "django" %}
    import psycopg

    # libpq reads postgresql:// and postgres:// URLs, not SQLAlchemy's driver suffix.
    libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(libpq_url, connect_timeout=TIMEOUT) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return _unreachable(url, exc)
    return None
{%- else %}
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    # Each driver names its timeout differently; PostgreSQL's (psycopg) is the usual one.
    connect_args = {"connect_timeout": TIMEOUT} if url.startswith("postgres") else {}
    try:
        engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        return (
            f"{VARIABLE}: cannot use {_without_password(url)} ({type(exc).__name__}); "
            "give an SQLAlchemy URL such as postgresql+psycopg://user:password@host/name"
        )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return _unreachable(url, exc)
    finally:
        engine.dispose()
    return None
{%- endif %}
{%- endif %}


def _unreachable(url: str, exc: Exception) -> str:
    return (
        f"{VARIABLE}: the session store at {_without_password(url)} does not answer "
        f"({type(exc).__name__}); start it, or point {VARIABLE} at one that runs"
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
