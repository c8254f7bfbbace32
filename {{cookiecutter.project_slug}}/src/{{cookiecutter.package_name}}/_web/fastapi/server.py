"""How FastAPI is served: uvicorn, with worker processes in production and --reload in development.

serve.py and dev.py call these; they are the only framework-specific part of those commands.
"""

import os
import sys
from pathlib import Path

from ..config import Settings

PACKAGE = __package__.rpartition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent.parent
APP_FACTORY = f"{PACKAGE}.web:create_app"

COMMON_OPTIONS = [
    "--factory",
    # No "Server: uvicorn" banner.
    "--no-server-header",
    # uvicorn's access log prints the query string, and the callback's holds the authorization
    # code: access_log.py logs the path instead.
    "--no-access-log",
    # uvicorn's own lines in the app's format (serving/logs.py), in the parent process too.
    "--log-config",
    str(Path(__file__).resolve().parent / "logging.json"),
    # uvicorn believes X-Forwarded-Proto and -For from loopback by default; only
    # TRUSTED_PROXIES decides, in the app (access_log.py).
    "--no-proxy-headers",
    # h11 (pure Python, strict) parses HTTP. Its 16 kB limit on a request head makes uvicorn
    # close the connection while the client is still sending, which the client sees as a reset
    # rather than an answer; with room for any URL a browser sends, the app answers oversized
    # callback parameters with its own 400 page instead.
    "--http",
    "h11",
    "--h11-max-incomplete-event-size",
    str(128 * 1024),
]


def prepare(settings: Settings) -> None:
    """One-time setup before any worker starts (creating the session table, for one)."""
    from ..stores.session_store import setup_lock
    from . import create_app

    with setup_lock(settings.store_url):  # instances starting together take turns
        create_app(settings)


def production_command(host: str, port: str, workers: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        f"{__package__}.uvicorn_nodelay",  # uvicorn, with TCP_NODELAY (see there)
        APP_FACTORY,
        *COMMON_OPTIONS,
        "--host",
        host,
        "--port",
        port,
        "--workers",
        workers,
        # Requests in flight get this long to finish on shutdown: above the adapter's deadline
        # for one callback's calls to sgID.
        "--timeout-graceful-shutdown",
        "20",
    ]


def dev_command(host: str, port: int) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        "-m",
        f"{__package__}.uvicorn_nodelay",  # uvicorn, with TCP_NODELAY (see there)
        APP_FACTORY,
        *COMMON_OPTIONS,
        "--reload",
        # Watch the package only, not .venv and everything else under the working directory.
        "--reload-dir",
        str(PACKAGE_DIR),
        "--host",
        host,
        "--port",
        str(port),
    ]
    return command, dict(os.environ)
