"""The session cookie's attributes, the same for every session store."""

from datetime import timedelta

from flask import Flask
from flask.sessions import SessionInterface

from ..config import Settings


def configure_cookie(app: Flask, settings: Settings) -> None:
    app.config.update(
        # __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
        SESSION_COOKIE_NAME="__Host-session" if settings.production else "session",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Lax: the cookie must come back on sgID's redirect
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        # A request that does not change the session writes nothing: no store write, no new
        # cookie. login.current_user() changes it (the last-seen time) at most once a minute
        # (TOUCH_EVERY), and that write renews the store's expiry and the cookie.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def set_session_cookie(interface: SessionInterface, app: Flask, session, response, value: str):
    """Set the cookie with the attributes configured above (the stores' save_session)."""
    response.set_cookie(
        interface.get_cookie_name(app),
        value,
        expires=interface.get_expiration_time(app, session),
        httponly=interface.get_cookie_httponly(app),
        secure=interface.get_cookie_secure(app),
        samesite=interface.get_cookie_samesite(app),
        domain=interface.get_cookie_domain(app),
        path=interface.get_cookie_path(app),
    )
