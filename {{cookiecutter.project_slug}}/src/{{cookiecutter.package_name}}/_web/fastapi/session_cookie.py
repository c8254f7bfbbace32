"""The session cookie, the same for every store: starsessions' middleware with the cookie's
attributes, the `Session` parameter that loads the session, and the id's rotation at login.

Routes that need the session take a `Session` parameter, which loads it; other responses
(static files, health checks, error pages) never read or write the store.
"""

from typing import Annotated

import starsessions
from fastapi import Depends, FastAPI, Request
from starlette.types import Message, Receive, Scope, Send
from starsessions import SessionStore, get_session_handler, load_session, regenerate_session_id

from ..config import Settings

_ATTRIBUTE_NAMES = {
    name.lower(): name
    for name in ("Path", "Max-Age", "Expires", "Domain", "HttpOnly", "Secure", "SameSite")
}


def add_session_middleware(
    app: FastAPI, settings: Settings, store: SessionStore, middleware: type | None = None
) -> None:
    app.add_middleware(
        middleware or SessionMiddleware,
        store=store,
        # __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
        cookie_name="__Host-session" if settings.production else "session",
        cookie_https_only=settings.production,
        cookie_same_site="Lax",  # Lax: the cookie must come back on sgID's redirect
        cookie_path="/",
        lifetime=settings.session_max_hours * 3600,
        # Each response renews the cookie and the stored copy; login.current_user() ends
        # sessions that are idle or older than the limits.
        rolling=True,
    )


async def _loaded_session(request: Request) -> dict:
    await load_session(request)
    handler = get_session_handler(request)
    if handler.initially_empty and handler.session_id:
        # A cookie naming no live session (expired, logged out, or planted by someone else):
        # never adopt its id; a new one is made if this request stores anything.
        regenerate_session_id(request)
    return request.session


Session = Annotated[dict, Depends(_loaded_session)]


async def rotate_session_id(request: Request) -> None:
    """Give the session a new id after login and delete the old record, so an id seen before
    login is worth nothing. (For the sealed cookie, re-encrypted with a fresh nonce at every
    write anyway, the removal is a no-op.)"""
    handler = get_session_handler(request)
    old_id = handler.session_id
    regenerate_session_id(request)
    if old_id:
        await handler.store.remove(old_id)


class SessionMiddleware(starsessions.SessionMiddleware):
    """starsessions' middleware, writing the cookie's attributes in their usual spelling.

    starsessions writes "path=/; httponly; samesite=Lax". Browsers accept any case, but
    every other framework, and the tools and tests that read Set-Cookie, spell them
    "Path=/; HttpOnly; SameSite=Lax".
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = f"{self.cookie_name}=".encode("latin-1")

        async def send_spelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, _spelled(value))
                    if name.lower() == b"set-cookie" and value.startswith(prefix)
                    else (name, value)
                    for name, value in message["headers"]
                ]
            await send(message)

        await super().__call__(scope, receive, send_spelled)


def _spelled(header: bytes) -> bytes:
    pair, *attributes = header.decode("latin-1").split("; ")
    spelled = []
    for attribute in attributes:
        name, equals, value = attribute.partition("=")
        spelled.append(_ATTRIBUTE_NAMES.get(name.lower(), name) + equals + value)
    return "; ".join([pair, *spelled]).encode("latin-1")
