"""Security headers on every response, and CSRF protection for the logout form.

CSRF: no well-kept library covers server-rendered FastAPI forms with a server-side session
(the maintained ones use double-submit cookies), so this is the synchronizer-token pattern in
a few lines: one random token per session, sent back in the form, compared in constant time.
"""

import hmac
import secrets
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..security.headers import security_headers

CSRF_FIELD = "csrf_token"  # the form field, and the key the token has in the session
MAX_FORM_BYTES = 64 * 1024


class CsrfRefused(Exception):
    """The form came without this session's CSRF token."""


def csrf_token(session: dict) -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request, session: dict) -> None:
    """Raise CsrfRefused unless the posted form carries this session's token."""
    form = await _small_form(request)
    sent = next((value for name, value in form if name == CSRF_FIELD), "")
    expected = session.get(CSRF_FIELD)
    if not (
        isinstance(expected, str)
        and sent
        and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))
    ):
        raise CsrfRefused


async def _small_form(request: Request) -> list[tuple[str, str]]:
    """The urlencoded form, read up to MAX_FORM_BYTES (else the friendly 413 page).

    (FastAPI's own max_body_size answers in plain text from outside every middleware, without
    the error page or the security headers.)
    """
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise HTTPException(413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413)
    return parse_qsl(body.decode("utf-8", "replace"))


class LazyCsrfToken:
    """Becomes a token only where a page uses it, so anonymous pages create no session."""

    def __init__(self, request: Request):
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request.session)

    __html__ = __str__


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SecurityHeadersMiddleware, production=settings.production)


class SecurityHeadersMiddleware:
    """Adds security_headers() to every response: pages, redirects, errors and static files.

    (The 500 page is sent from outside every middleware; error_handlers.py adds the headers there.)
    """

    def __init__(self, app: ASGIApp, production: bool):
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(scope["path"], self.production).items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
