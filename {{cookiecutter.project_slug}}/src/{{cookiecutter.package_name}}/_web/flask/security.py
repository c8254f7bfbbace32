"""Security headers on every response, and CSRF protection for the logout form."""

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from ..config import Settings
from ..security_headers import security_headers

csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=settings.production)
    csrf.init_app(app)

    @app.after_request
    def add_headers(response):
        for name, value in security_headers(request.path, settings.production).items():
            response.headers.setdefault(name, value)
        response.headers.pop("Server", None)
        return response
