"""Cookie values that the browser can neither read nor alter: AES-GCM under a key from SECRET_KEY.

Every variant keeps the login in progress in such a cookie (sgid/login.py), and the cookie store
keeps the whole session in one (stores/cookie.py). The signed cookies of Flask, Starlette and
Django are readable by anyone who has them (base64, not encryption), and these hold login
secrets and personal data, hence encryption (from `cryptography`); no maintained library does
it for all three frameworks. Each use derives its own key (`purpose`), so one kind of cookie is
never accepted as another.
"""

import base64
import json
import os
import time
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAX_COOKIE_BYTES = 4000  # browsers drop cookies over 4096 bytes, name and attributes included
_VERSION = b"v1"


class CookieTooLarge(Exception):
    """The data does not fit in a cookie."""


class Sealer:
    """Seals a dict into a cookie value and back, refusing values older than max_age_seconds.

    With `compress`, the JSON is compressed before encryption. Only for data with no part an
    attacker chooses: compressing secrets next to chosen text leaks the secrets through the
    size (CRIME). Sealing refuses whatever unsealing would refuse (over `max_plain_bytes`, or
    over MAX_COOKIE_BYTES sealed), so a cookie that was set is always read back.
    """

    def __init__(
        self,
        secret_key: str,
        purpose: str,
        max_age_seconds: float,
        *,
        compress: bool = False,
        max_plain_bytes: int = MAX_COOKIE_BYTES,
    ):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode("ascii"))
        self._aead = AESGCM(key.derive(secret_key.encode("utf-8")))
        self._max_age = max_age_seconds
        self._compress = compress
        self._max_plain = max_plain_bytes

    def seal(self, data: dict) -> str:
        plain = json.dumps({"t": int(time.time()), "d": data}, separators=(",", ":")).encode()
        if len(plain) > self._max_plain:
            raise CookieTooLarge(f"{len(plain)} bytes of data; the limit is {self._max_plain}")
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(
            nonce, zlib.compress(plain) if self._compress else plain, _VERSION
        )
        value = (
            _VERSION.decode() + "." + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")
        )
        if len(value) > MAX_COOKIE_BYTES:
            raise CookieTooLarge(f"{len(value)} bytes sealed; the limit is {MAX_COOKIE_BYTES}")
        return value

    def fits(self, data: dict, spare_bytes: int = 0) -> bool:
        """Whether `data` seals, with room for `spare_bytes` more in the cookie."""
        try:
            return len(self.seal(data)) <= MAX_COOKIE_BYTES - spare_bytes
        except CookieTooLarge:
            return False

    def unseal(self, value: str | None) -> dict | None:
        """The data, or None for a missing, tampered, foreign or expired cookie."""
        if not value or len(value) > MAX_COOKIE_BYTES or not value.startswith("v1."):
            return None
        try:
            raw = base64.urlsafe_b64decode(value[3:] + "=" * (-len(value[3:]) % 4))
            plain = self._aead.decrypt(raw[:12], raw[12:], _VERSION)
            if self._compress:
                plain = zlib.decompressobj().decompress(plain, self._max_plain + 1)
            if len(plain) > self._max_plain:
                return None
            payload = json.loads(plain)
        except (InvalidTag, ValueError, zlib.error, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or time.time() - payload.get("t", 0) > self._max_age:
            return None
        data = payload.get("d")
        return data if isinstance(data, dict) else None
