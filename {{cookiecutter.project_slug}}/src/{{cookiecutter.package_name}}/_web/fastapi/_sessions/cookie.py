"""Sessions in the cookie itself, encrypted: a starsessions store with no server side.

starsessions' own CookieStore only signs the session: anyone holding the cookie could read
the personal data in it. This one seals it with AES-GCM instead (see stores/cookie.py).
"""

import json

from fastapi import FastAPI, Request
from starsessions import SessionStore

from ..accounts.records import UserRecords
from ..config import Settings
from ..sgid.adapter import Identity
from ..stores.cookie import SessionSealer
from .session_cookie import Session, add_session_middleware, rotate_session_id

__all__ = [
    "Session",
    "install",
    "record_login",
    "rotate_session_id",
    "session_fits",
    "store_is_reachable",
]


def install(app: FastAPI, settings: Settings) -> None:
    app.state.user_records = UserRecords()  # keeps nothing: no database (see there)
    store = EncryptedCookieStore(
        SessionSealer(settings.secret_key, settings.session_max_hours * 3600)
    )
    app.state.session_store = store
    add_session_middleware(app, settings, store)


def session_fits(request: Request, session: dict) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return request.app.state.session_store.sealer.fits_at_login(session)


def record_login(app: FastAPI, identity: Identity) -> None:
    """In the thread pool with the sgID calls (auth.py): records that keep nothing, or write to a
    database of yours, run there."""
    app.state.user_records.record_login(identity)


async def store_is_reachable(app: FastAPI) -> bool:
    return True  # the cookie store has no server side


class EncryptedCookieStore(SessionStore):
    """The "session id" starsessions puts in the cookie is the sealed session."""

    def __init__(self, sealer: SessionSealer):
        self.sealer = sealer

    async def read(self, session_id: str, lifetime: int) -> bytes:
        data = self.sealer.unseal(session_id)  # None if tampered, foreign or expired
        return json.dumps(data).encode("utf-8") if data else b""

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        session = json.loads(data)
        # starsessions' own timestamps: the sealer stamps the cookie itself, so save the bytes.
        session.pop("__metadata__", None)
        return self.sealer.seal(session)

    async def remove(self, session_id: str) -> None:
        """Nothing is kept on the server; the middleware expires the cookie."""
