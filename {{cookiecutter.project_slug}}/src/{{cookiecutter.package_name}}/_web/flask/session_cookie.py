"""The session cookie's attributes, the same for every session store."""

from datetime import timedelta

from flask import Flask

from ..config import Settings


def configure_cookie(app: Flask, settings: Settings) -> None:
    app.config.update(
        # __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
        SESSION_COOKIE_NAME="__Host-session" if settings.production else "session",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Lax: the cookie must come back on sgID's redirect
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )
