"""What the views need of the encrypted cookie session store (session_settings.py configures it)."""

import secrets
from functools import cache

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import signed_cookies

from ..sgid.login import USER_KEY
from ..stores.cookie import SessionSealer


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks), with what Django's login
    adds right after (auth.py): the user's id, the backend and a hash, random as the real one."""
    django_login = {
        SESSION_KEY: session[USER_KEY]["sub"],
        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
        HASH_SESSION_KEY: secrets.token_hex(32),
    }
    return _sealer().fits_at_login({**session, **django_login})


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
