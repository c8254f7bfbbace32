"""The cookie store's session, sealed into the session cookie (crypto: security/sealed_cookies.py).

The session is compressed before sealing, so a profile of a few kB fits the 4 kB cookie (it
holds nothing an attacker chooses, see Sealer). A session that cannot fit is refused when it is
sealed; at login that ends on the "too large" page (login.sign_in), never a silent non-login.
"""

from ..security.sealed_cookies import Sealer

# Refused before compression too: it bounds what unsealing inflates, and a session this large
# only fits when it is mostly repetition, which no real sgID answer is.
MAX_SESSION_BYTES = 16 * 1024
# Room kept at login for what the session gains later (the CSRF token, last-seen times).
SPARE_BYTES = 256


class SessionSealer(Sealer):
    def __init__(self, secret_key: str, max_age_seconds: float):
        super().__init__(
            secret_key,
            "session-cookie-v1",
            max_age_seconds,
            compress=True,
            max_plain_bytes=MAX_SESSION_BYTES,
        )

    def fits_at_login(self, session: dict) -> bool:
        return self.fits(session, SPARE_BYTES)
