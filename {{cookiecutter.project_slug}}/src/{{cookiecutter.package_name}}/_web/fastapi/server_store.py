"""What the server-side session stores (database, redis) share: the friendly 503 page while the
store is down, and no size limit."""

import logging

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send
from starsessions import SessionStore

from ..config import Settings
from ..pages.error_messages import StoreUnavailable
from .error_handlers import store_unavailable_page
from .session_cookie import SessionMiddleware, add_session_middleware

log = logging.getLogger(__name__)


def install_store(
    app: FastAPI, settings: Settings, store: SessionStore, errors: tuple[type[Exception], ...]
) -> None:
    """The session middleware on the store, with the store's errors turned into the 503 page."""
    app.state.session_store = store
    add_session_middleware(app, settings, GuardedStore(store, errors), GuardedSessionMiddleware)


def session_fits(request: Request, session: dict) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return True  # a server-side store has no 4 kB limit


class GuardedStore(SessionStore):
    """The store, with its errors turned into errors.StoreUnavailable (a friendly 503)."""

    def __init__(self, store: SessionStore, store_errors: tuple[type[Exception], ...]):
        self.store = store
        self.store_errors = store_errors

    async def read(self, session_id: str, lifetime: int) -> bytes:
        try:
            return await self.store.read(session_id, lifetime)
        except self.store_errors as exc:
            raise StoreUnavailable from exc

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        try:
            return await self.store.write(session_id, data, lifetime, ttl)
        except self.store_errors as exc:
            raise StoreUnavailable from exc

    async def remove(self, session_id: str) -> None:
        try:
            await self.store.remove(session_id)
        except self.store_errors as exc:
            raise StoreUnavailable from exc


class GuardedSessionMiddleware(SessionMiddleware):
    """The session middleware, answering the friendly 503 while the store is down."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await super().__call__(scope, receive, send_tracked)
        except StoreUnavailable as exc:
            # Reading the session (in a route) or saving it (here, before the response starts)
            # failed: nobody can be told apart, so the page is the friendly 503.
            if started or scope["type"] != "http":
                raise
            log.warning("session store unavailable: %s", type(exc.__cause__).__name__)
            await store_unavailable_page(Request(scope))(scope, receive, send)
