"""The production server for the WSGI frameworks: gunicorn, with the settings they share."""

import sys

from gunicorn.glogging import Logger as GunicornLogger

from ..sgid.adapter import SERVER_THREADS
from .logs import ServerFormatter


def gunicorn_command(app: str, host: str, port: str, workers: str) -> list[str]:
    """The command line that serves the WSGI `app` ("module:callable") on host:port."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        # Threads, so a slow sgID cannot take every worker: each callback waiting on sgID holds
        # one thread, at most MAX_CALLBACKS_IN_FLIGHT per worker (sgid/adapter.py, which derives
        # it from this count), and the rest serve other pages.
        "--threads",
        str(SERVER_THREADS),
        # Above the adapter's worst case (connect 3 s + reads 10 s per call) for one callback.
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--no-control-socket",  # several instances may share a host (and a home directory)
        # gunicorn's lines in the app's format (ServerLogger); no access log of its own, as the app
        # logs each request (without the query string, which holds the authorization code).
        "--logger-class",
        f"{__name__}.ServerLogger",
        # gunicorn trusts X-Forwarded-Proto from loopback by default; only TRUSTED_PROXIES
        # decides which forwarded headers count, in the app.
        "--forwarded-allow-ips",
        "",
        app,
    ]


class ServerLogger(GunicornLogger):
    """gunicorn's own lines in the app's format (gunicorn --logger-class); its access log is off,
    the app logs each request instead."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(ServerFormatter())
