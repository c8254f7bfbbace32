"""The session cookie, the same for every store: starsessions' middleware with the cookie's
attributes, the `Session` parameter that loads the session, and the id's rotation at login.

Routes that need the session take a `Session` parameter, which loads it; other responses
(static files, health checks, error pages) never read or write the store. A loaded session that
the request did not change is not written either (SessionMiddleware below).
"""

import json
from typing import Annotated

import starsessions
from fastapi import Depends, FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
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
        # Not rolling: the cookie and the stored copy last until the session's absolute limit
        # (starsessions counts from the session's creation), and are written only when the
        # session changed. login.current_user() touches the last-seen time at most once a minute
        # (TOUCH_EVERY) and ends sessions that are idle or older than the limits.
        rolling=False,
    )


_AS_LOADED = "session_as_loaded"  # in the request's scope: the session's id and content at load


async def _loaded_session(request: Request) -> dict:
    await load_session(request)
    handler = get_session_handler(request)
    if handler.initially_empty and handler.session_id:
        # A cookie naming no live session (expired, logged out, or planted by someone else):
        # never adopt its id; a new one is made if this request stores anything.
        regenerate_session_id(request)
    request.scope[_AS_LOADED] = (handler.session_id, _content(request.session))
    return request.session


def _content(session: dict) -> str:
    return json.dumps(session, sort_keys=True, default=str)


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
    """starsessions' middleware, writing nothing for an unchanged session, and the cookie's
    attributes in their usual spelling.

    starsessions saves every loaded session that is not empty, and sets its cookie again, on
    every response: each page view would be a store write. Here a session whose id and content
    are what the request loaded is left alone, store and cookie.

    starsessions writes "path=/; httponly; samesite=Lax". Browsers accept any case, but
    every other framework, and the tools and tests that read Set-Cookie, spell them
    "Path=/; HttpOnly; SameSite=Lax".
    """

    def __init__(self, app: ASGIApp, **options) -> None:
        super().__init__(_unchanged_left_alone(app), **options)

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


def _unchanged_left_alone(app: ASGIApp) -> ASGIApp:
    """The app, telling starsessions' middleware (which wraps it) not to save a session the
    request did not change: the response starts before starsessions would save it."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_checked(message: Message) -> None:
            if message["type"] == "http.response.start" and _unchanged(scope):
                # starsessions saves only a loaded session; this one needs nothing saved.
                scope["session_handler"].is_loaded = False
            await send(message)

        await app(scope, receive, send_checked)

    return wrapped


def _unchanged(scope: Scope) -> bool:
    as_loaded = scope.get(_AS_LOADED)
    handler = scope.get("session_handler")
    if as_loaded is None or handler is None or not handler.is_loaded:
        return False
    return as_loaded == (handler.session_id, _content(scope["session"]))


def _spelled(header: bytes) -> bytes:
    pair, *attributes = header.decode("latin-1").split("; ")
    spelled = []
    for attribute in attributes:
        name, equals, value = attribute.partition("=")
        spelled.append(_ATTRIBUTE_NAMES.get(name.lower(), name) + equals + value)
    return "; ".join([pair, *spelled]).encode("latin-1")
