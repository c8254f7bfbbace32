"""One log line per request, with the path but never the query string.

The callback's query holds the authorization code, and uvicorn's own access log prints it,
so the servers run with --no-access-log and this middleware logs instead.
"""

import logging
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    app.add_middleware(AccessLogMiddleware)


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception becomes the 500 page

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            client = scope.get("client")
            # raw_path: still percent-encoded, so a logged path can never break a log line.
            path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
            log.info(
                '%s "%s %s" %s %dms',
                client[0] if client else "-",
                scope["method"],
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )
