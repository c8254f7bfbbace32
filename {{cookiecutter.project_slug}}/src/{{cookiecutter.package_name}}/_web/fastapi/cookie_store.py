"""A starsessions store that keeps the whole session, encrypted, in the cookie itself.

starsessions' own CookieStore only signs the session: anyone holding the cookie could read
the personal data in it. This one seals it with AES-GCM instead (see cookie_crypto.py).
"""

import json

from starsessions import SessionStore

from ..cookie_crypto import SessionSealer


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
