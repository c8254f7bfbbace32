"""What the views need of the encrypted cookie session store (session_settings.py configures it)."""

from functools import cache

from django.conf import settings
from django.contrib.sessions.backends import signed_cookies

from ..stores.cookie import SessionSealer


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return _sealer().fits_at_login(dict(session.items()))


def store_is_reachable() -> bool:
    return True  # the cookie store has no server side


class SessionStore(signed_cookies.SessionStore):
    """Django's cookie session, but encrypted instead of only signed (see stores/cookie.py)."""

    def load(self):
        data = _sealer().unseal(self.session_key)
        if data is None:  # missing, tampered, foreign or expired: start afresh
            self.create()
            return {}
        return data

    def _get_session_key(self):
        return _sealer().seal(self._session)


@cache
def _sealer() -> SessionSealer:
    return SessionSealer(settings.SECRET_KEY, settings.SESSION_COOKIE_AGE)
