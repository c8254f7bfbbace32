"""The app's one log line per request (serving/logs.py), and trusted proxies' X-Forwarded-* headers.

uvicorn's own access log prints the query string, and the callback's holds the authorization
code, so the servers run with --no-access-log and this middleware logs instead.
"""

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..serving.logs import log_request


def install(app: FastAPI, trusted_proxies: int) -> None:
    app.add_middleware(AccessLogMiddleware)
    if trusted_proxies:
        # Added last, so it runs first and the log sees the scheme the browser used. uvicorn
        # trusts proxies by address, not by count: "*" trusts whoever connects, which is the
        # proxy when only the proxy can reach the app. It takes X-Forwarded-Proto when it holds
        # a single value (the proxy must replace, not append to, a client's) and the client
        # address from X-Forwarded-For; it ignores X-Forwarded-Host (the app builds no URL
        # from the host: redirects are relative and the callback URL is configured).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts="*")


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
            log_request(
                scope["method"],
                scope["path"],
                status,
                time.perf_counter() - started,
                scope["scheme"],
            )
