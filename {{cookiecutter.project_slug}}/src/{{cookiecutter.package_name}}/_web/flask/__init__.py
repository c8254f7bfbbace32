"""The Flask web layer: an app factory wiring settings, sessions, security and the blueprints."""

from flask import Flask

from ..config import APP_NAME, Settings, load_settings
from ..pages import STATIC_DIR, TEMPLATES_DIR
from ..serving.logs import configure as configure_logging
from ..sgid.adapter import SgidAdapter
from ..sgid.login import LoginCookie
from . import auth, error_handlers, request_log, security, sessions, views


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging(settings.production)
    app = Flask(
        __name__.rpartition(".")[0],
        template_folder=TEMPLATES_DIR,
        static_folder=STATIC_DIR,
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        APP_NAME=APP_NAME,
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=not settings.production,
    )
    app.extensions["sgid"] = SgidAdapter.from_settings(settings)
    app.extensions["sgid_login_cookie"] = LoginCookie.from_settings(settings)
    sessions.init_app(app, settings)
    security.init_app(app, settings)
    error_handlers.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(auth.bp)
    app.wsgi_app = request_log.wrap(app.wsgi_app, settings.trusted_proxies)
    request_log.drop_werkzeug_request_lines()
    return app
