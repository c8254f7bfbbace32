"""The production server for the WSGI frameworks: gunicorn, with the settings they share."""

import sys

from .sgid.adapter import SERVER_THREADS


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
        # gunicorn's lines in the app's format (logs.py); no access log of its own, as the app
        # logs each request (without the query string, which holds the authorization code).
        "--logger-class",
        f"{__package__}.logs.ServerLogger",
        # gunicorn trusts X-Forwarded-Proto from loopback by default; only TRUSTED_PROXIES
        # decides which forwarded headers count, in the app.
        "--forwarded-allow-ips",
        "",
        app,
    ]
