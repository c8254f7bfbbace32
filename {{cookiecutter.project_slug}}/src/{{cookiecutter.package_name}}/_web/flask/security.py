"""Security headers on every response, and CSRF protection for the logout form."""

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

from ..config import Settings
from ..security.headers import security_headers

csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=settings.production)
    csrf.init_app(app)

    @app.context_processor
    def page_context():
        # The shared templates take plain values, the same in every framework.
        return {"app_name": app.config["APP_NAME"], "csrf_token": _LazyCsrfToken()}

    @app.after_request
    def add_headers(response):
        for name, value in security_headers(request.path, settings.production).items():
            response.headers.setdefault(name, value)
        response.headers.pop("Server", None)
        return response


class _LazyCsrfToken:
    """Becomes a token only where a page uses it, so anonymous pages create no session."""

    def __str__(self) -> str:
        return generate_csrf()

    __html__ = __str__
