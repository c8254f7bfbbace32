"""How Flask is served: gunicorn in production, Flask's reloader in development.

serve.py and dev.py call these; they are the only framework-specific part of those commands.
"""

import os
import sys

from ..config import Settings

PACKAGE = __package__.rpartition(".")[0]


def prepare(settings: Settings) -> None:
    """One-time setup before any worker starts (creating the session table, for one)."""
{%- if cookiecutter.session_store == "database" %}
    from ..schema_lock import schema_lock
    from . import create_app

    with schema_lock(settings.database_url):  # instances starting together take turns
        create_app(settings)
{%- else %}
    from . import create_app

    create_app(settings)
{%- endif %}


def production_command(host: str, port: str, workers: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        # Threads, so a slow sgID cannot take every worker: each callback waiting on sgID holds
        # one thread, at most 12 per worker (sgid/adapter.py), and the rest serve other pages.
        "--threads",
        "16",
        # Above the adapter's worst case (connect 3 s + reads 10 s per call) for one callback.
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--no-control-socket",  # several instances may share a host (and a home directory)
        # gunicorn's lines in the app's format (logs.py); no access log of its own, as the app
        # logs each request (without the query string, which holds the authorization code).
        "--logger-class",
        f"{PACKAGE}.logs.ServerLogger",
        # gunicorn trusts X-Forwarded-Proto from loopback by default; only TRUSTED_PROXIES
        # decides which forwarded headers count, in the app.
        "--forwarded-allow-ips",
        "",
        f"{PACKAGE}.web:create_app()",
    ]


def dev_command(host: str, port: int) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        f"{PACKAGE}.web:create_app",
        "run",
        "--reload",
        "--host",
        host,
        "--port",
        str(port),
    ]
    return command, {**os.environ, "FLASK_SKIP_DOTENV": "1"}
