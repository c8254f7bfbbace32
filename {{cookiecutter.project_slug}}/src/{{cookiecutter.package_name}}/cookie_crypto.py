"""Sealing session data into a cookie that the browser can neither read nor alter.

The signed cookies of Flask, Starlette and Django are readable by anyone who has them
(base64, not encryption), and the session here holds personal data and login secrets, so
the cookie store encrypts with AES-GCM (from `cryptography`) under a key derived from
SECRET_KEY. No maintained library does this for all three frameworks, hence this module.
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
    """The session does not fit in a cookie; choose the database or redis store."""


class SessionSealer:
    def __init__(self, secret_key: str, max_age_seconds: int):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"session-cookie-v1")
        self._aead = AESGCM(key.derive(secret_key.encode("utf-8")))
        self._max_age = max_age_seconds

    def seal(self, data: dict) -> str:
        payload = json.dumps({"t": int(time.time()), "d": data}, separators=(",", ":"))
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, zlib.compress(payload.encode("utf-8")), _VERSION)
        value = (
            _VERSION.decode() + "." + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")
        )
        if len(value) > MAX_COOKIE_BYTES:
            raise CookieTooLarge(
                f"session is {len(value)} bytes sealed; the limit is {MAX_COOKIE_BYTES}"
            )
        return value

    def unseal(self, value: str | None) -> dict | None:
        """The data, or None for a missing, tampered, foreign or expired cookie."""
        if not value or len(value) > MAX_COOKIE_BYTES or not value.startswith("v1."):
            return None
        try:
            raw = base64.urlsafe_b64decode(value[3:] + "=" * (-len(value[3:]) % 4))
            plain = self._aead.decrypt(raw[:12], raw[12:], _VERSION)
            payload = json.loads(zlib.decompressobj().decompress(plain, MAX_COOKIE_BYTES * 20))
        except (InvalidTag, ValueError, zlib.error, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or time.time() - payload.get("t", 0) > self._max_age:
            return None
        data = payload.get("d")
        return data if isinstance(data, dict) else None
