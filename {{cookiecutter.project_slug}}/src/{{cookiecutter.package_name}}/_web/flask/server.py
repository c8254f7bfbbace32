"""How Flask is served: gunicorn in production, Flask's reloader in development.

serve.py and dev.py call these; they are the only framework-specific part of those commands.
"""

import os
import sys

from ..config import Settings
from ..serving.gunicorn_command import gunicorn_command

PACKAGE = __package__.rpartition(".")[0]


def prepare(settings: Settings) -> None:
    """One-time setup before any worker starts (creating the session table, for one)."""
    from ..stores.session_store import setup_lock
    from . import create_app

    with setup_lock(settings.store_url):  # instances starting together take turns
        create_app(settings)


def production_command(host: str, port: str, workers: str) -> list[str]:
    return gunicorn_command(f"{PACKAGE}.web:create_app()", host, port, workers)


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
