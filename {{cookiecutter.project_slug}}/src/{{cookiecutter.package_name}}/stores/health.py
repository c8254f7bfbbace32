"""Is the session store there? The one health ping, and the production gate's report when not.

serve.py refuses to start when the session store does not answer: without it the server would
start, pass a port check, and fail every login. session_store.store_problem() makes the one
line naming the variable to fix (never the password in it), reported with every other problem
with the settings.
"""

from urllib.parse import urlsplit, urlunsplit

TIMEOUT = 2  # seconds the production gate waits; libpq's shortest connect timeout
HEALTH_QUERY = "SELECT 1"


def ping(connection) -> None:
    """One round trip to a SQL database: an SQLAlchemy connection, a psycopg connection or a
    DB-API cursor (Django's). Raises the driver's error when the database does not answer."""
    execute = getattr(connection, "exec_driver_sql", None) or connection.execute
    execute(HEALTH_QUERY)


def unreachable(variable: str, url: str, exc: Exception) -> str:
    return (
        f"{variable}: the session store at {without_password(url)} does not answer "
        f"({type(exc).__name__}); start it, or point {variable} at one that runs"
    )


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
