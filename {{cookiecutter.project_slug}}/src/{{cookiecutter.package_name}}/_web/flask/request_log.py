"""The app's one line per request (serving/logs.py), and trusted proxies' X-Forwarded-* headers."""

import logging
import time

from werkzeug.middleware.proxy_fix import ProxyFix

from ..serving.logs import log_request


def wrap(wsgi_app, trusted_proxies: int):
    """The WSGI app, logging each request, behind ProxyFix when proxies are trusted.

    ProxyFix takes the values the last `trusted_proxies` hops added (X-Forwarded-For, -Proto,
    -Host) and ignores anything earlier, which a client could have written. The log sits inside
    it, so it sees the scheme the browser used.
    """
    app = RequestLog(wsgi_app)
    if trusted_proxies:
        n = trusted_proxies
        app = ProxyFix(app, x_for=n, x_proto=n, x_host=n)
    return app


def drop_werkzeug_request_lines() -> None:
    """One line per request in development too: Flask's development server (werkzeug) logs
    every request itself, beside the app's own line; its other lines (where it listens,
    reloads) stay."""
    logging.getLogger("werkzeug").addFilter(_not_a_request_line)


def _not_a_request_line(record: logging.LogRecord) -> bool:
    # werkzeug's request lines are '<address> - - [<time>] "<request line>" <status> <size>'.
    return " - - [" not in str(record.msg)


class RequestLog:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = [500]  # unless a response starts

        def start_noting_status(code, headers, exc_info=None):
            status[0] = int(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, start_noting_status)
        finally:
            log_request(
                environ["REQUEST_METHOD"],
                # PATH_INFO holds the path's bytes as latin-1 (PEP 3333); never the query.
                (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1"),
                status[0],
                time.perf_counter() - started,
                environ["wsgi.url_scheme"],
            )
