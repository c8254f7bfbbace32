"""Sessions in the {{ cookiecutter.session_store }} store, through starsessions; the same cookie for every store.

Routes that need the session take a `Session` parameter, which loads it; other responses
(static files, health checks, error pages) never read or write the store.
"""
{%- if cookiecutter.session_store != "cookie" %}

import logging
from typing import Annotated
{%- else %}

from typing import Annotated
{%- endif %}

import starsessions
from fastapi import Depends, FastAPI, Request
{%- if cookiecutter.session_store == "redis" %}
from redis.asyncio import Redis, RedisError
{%- elif cookiecutter.session_store == "database" %}
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
{%- endif %}
from starlette.types import Message, Receive, Scope, Send
{%- if cookiecutter.session_store == "cookie" %}
from starsessions import get_session_handler, load_session, regenerate_session_id
{%- else %}
from starsessions import SessionStore, get_session_handler, load_session, regenerate_session_id
{%- endif %}
{%- if cookiecutter.session_store == "redis" %}
from starsessions.stores.redis import RedisStore
{%- endif %}

from ..config import Settings
{%- if cookiecutter.session_store == "database" %}
from ..pages.error_messages import STORE_RETRY_AFTER, STORE_UNAVAILABLE, StoreUnavailable
from ..store_limits import StoreBusy
from .error_handlers import render_error
from .sql_store import SqlStore
{%- elif cookiecutter.session_store == "redis" %}
from ..pages.error_messages import STORE_RETRY_AFTER, STORE_UNAVAILABLE, StoreUnavailable
from ..store_limits import redis_options
from .error_handlers import render_error
{%- elif cookiecutter.session_store == "cookie" %}
from ..cookie_crypto import SessionSealer
from .cookie_store import EncryptedCookieStore
{%- endif %}
{%- if cookiecutter.session_store != "cookie" %}

log = logging.getLogger(__name__)
{%- if cookiecutter.session_store == "database" %}
STORE_ERRORS = (SQLAlchemyError, StoreBusy)
{%- else %}
STORE_ERRORS = (RedisError, OSError)
{%- endif %}
{%- endif %}


def install(app: FastAPI, settings: Settings) -> None:
{%- if cookiecutter.session_store == "database" %}
    store = SqlStore(settings.database_url)
    store.create_table()  # if missing; serve.py's prepare() does it once before workers start
{%- elif cookiecutter.session_store == "redis" %}
    # Without timeouts a stalled Redis would hang every request.
    app.state.redis = Redis.from_url(settings.redis_url, **redis_options(asyncio=True))
    store = RedisStore(
        connection=app.state.redis,
        prefix="{{ cookiecutter.package_name }}:session:",
    )
{%- else %}
    store = EncryptedCookieStore(
        SessionSealer(settings.secret_key, settings.session_max_hours * 3600)
    )
{%- endif %}
    app.state.session_store = store
    app.add_middleware(
        SessionMiddleware,
{%- if cookiecutter.session_store == "cookie" %}
        store=store,
{%- else %}
        store=GuardedStore(store),
{%- endif %}
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
    login is worth nothing."""
    handler = get_session_handler(request)
    old_id = handler.session_id
    regenerate_session_id(request)
    if old_id:
{%- if cookiecutter.session_store == "cookie" %}
        # A no-op for the sealed cookie, which is re-encrypted with a fresh nonce at every
        # write anyway: the cookie after login never equals the one before.
{%- endif %}
        await handler.store.remove(old_id)


def session_fits(request: Request, session: dict) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
{%- if cookiecutter.session_store == "cookie" %}
    return request.app.state.session_store.sealer.fits_at_login(session)
{%- else %}
    return True  # a server-side store has no 4 kB limit
{%- endif %}


async def store_is_reachable(app: FastAPI) -> bool:
{%- if cookiecutter.session_store == "database" %}
    return await run_in_threadpool(app.state.session_store.ping)
{%- elif cookiecutter.session_store == "redis" %}
    try:
        return bool(await app.state.redis.ping())
    except STORE_ERRORS:
        return False
{%- else %}
    return True  # the cookie store has no server side
{%- endif %}


{%- if cookiecutter.session_store != "cookie" %}


class GuardedStore(SessionStore):
    """The store, with its errors turned into errors.StoreUnavailable (a friendly 503)."""

    def __init__(self, store: SessionStore):
        self.store = store

    async def read(self, session_id: str, lifetime: int) -> bytes:
        try:
            return await self.store.read(session_id, lifetime)
        except STORE_ERRORS as exc:
            raise StoreUnavailable from exc

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        try:
            return await self.store.write(session_id, data, lifetime, ttl)
        except STORE_ERRORS as exc:
            raise StoreUnavailable from exc

    async def remove(self, session_id: str) -> None:
        try:
            await self.store.remove(session_id)
        except STORE_ERRORS as exc:
            raise StoreUnavailable from exc
{%- endif %}


_ATTRIBUTE_NAMES = {
    name.lower(): name
    for name in ("Path", "Max-Age", "Expires", "Domain", "HttpOnly", "Secure", "SameSite")
}


class SessionMiddleware(starsessions.SessionMiddleware):
    """starsessions' middleware, writing the cookie's attributes in their usual spelling.

    starsessions writes "path=/; httponly; samesite=Lax". Browsers accept any case, but
    every other framework, and the tools and tests that read Set-Cookie, spell them
    "Path=/; HttpOnly; SameSite=Lax".
{%- if cookiecutter.session_store != "cookie" %}

    While the store is down, requests that need the session get the friendly 503 page.
{%- endif %}
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = f"{self.cookie_name}=".encode("latin-1")
{%- if cookiecutter.session_store != "cookie" %}
        started = False
{%- endif %}

        async def send_spelled(message: Message) -> None:
            if message["type"] == "http.response.start":
{%- if cookiecutter.session_store != "cookie" %}
                nonlocal started
                started = True
{%- endif %}
                message["headers"] = [
                    (name, _spelled(value))
                    if name.lower() == b"set-cookie" and value.startswith(prefix)
                    else (name, value)
                    for name, value in message["headers"]
                ]
            await send(message)
{%- if cookiecutter.session_store == "cookie" %}

        await super().__call__(scope, receive, send_spelled)
{%- else %}

        try:
            await super().__call__(scope, receive, send_spelled)
        except StoreUnavailable as exc:
            # Reading the session (in a route) or saving it (here, before the response starts)
            # failed: nobody can be told apart, so the page is the friendly 503.
            if started or scope["type"] != "http":
                raise
            log.warning("session store unavailable: %s", type(exc.__cause__).__name__)
            page = render_error(
                Request(scope), STORE_UNAVAILABLE, {"Retry-After": STORE_RETRY_AFTER}
            )
            await page(scope, receive, send)
{%- endif %}


def _spelled(header: bytes) -> bytes:
    pair, *attributes = header.decode("latin-1").split("; ")
    spelled = []
    for attribute in attributes:
        name, equals, value = attribute.partition("=")
        spelled.append(_ATTRIBUTE_NAMES.get(name.lower(), name) + equals + value)
    return "; ".join([pair, *spelled]).encode("latin-1")
