"""Sessions in the cookie itself, encrypted (stores/cookie.py): no server side."""

from flask import Flask, current_app
from flask.sessions import SecureCookieSession, SessionInterface

from ..accounts.records import UserRecords
from ..config import Settings
from ..sgid.adapter import Identity
from ..stores.cookie import SessionSealer
from .session_cookie import configure_cookie, set_session_cookie


def init_app(app: Flask, settings: Settings) -> None:
    configure_cookie(app, settings)
    app.session_interface = EncryptedCookieSessionInterface(
        SessionSealer(settings.secret_key, settings.session_max_hours * 3600)
    )
    app.extensions["user_records"] = UserRecords()


def record_login(identity: Identity) -> None:
    """Note the login in the app's user records (accounts/records.py: none without a database)."""
    current_app.extensions["user_records"].record_login(identity)


def rotate_session_id(session) -> None:
    """Give the session a new id after login, so an id seen before login is worth nothing."""
    # The sealed cookie is re-encrypted with a fresh nonce on every change: nothing to rotate.
    session.modified = True


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return current_app.session_interface.sealer.fits_at_login(dict(session))


def store_is_reachable() -> bool:
    return True  # the cookie store has no server side


class EncryptedCookieSessionInterface(SessionInterface):
    """Flask's own cookie session, but encrypted instead of only signed (see stores/cookie.py)."""

    def __init__(self, sealer: SessionSealer):
        self.sealer = sealer

    def open_session(self, app, request):
        data = self.sealer.unseal(request.cookies.get(self.get_cookie_name(app)))
        return SecureCookieSession(data or {})

    def save_session(self, app, session, response):
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not self.should_set_cookie(app, session):
            return
        set_session_cookie(self, app, session, response, self.sealer.seal(dict(session)))
