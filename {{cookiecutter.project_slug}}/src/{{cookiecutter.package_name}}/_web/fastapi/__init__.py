"""The FastAPI web layer: an app factory wiring settings, sessions, security and the routers."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..config import APP_NAME, Settings, load_settings
from ..pages import STATIC_DIR
from ..serving.logs import configure as configure_logging
from ..sgid.adapter import SgidAdapter
from ..sgid.login import LoginCookie
from . import access_log, auth, error_handlers, security, sessions, users, views


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.production)
    app = FastAPI(
        title=APP_NAME,
        # Server-rendered pages, not an API: publish no schema and no docs pages (whose scripts
        # would come from a CDN that the Content-Security-Policy rightly blocks).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # /login/ is not found, as in every framework, rather than redirected to an absolute
        # URL built from the Host header.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.sgid = SgidAdapter.from_settings(settings)
    app.state.login_cookie = LoginCookie.from_settings(settings)
    app.include_router(views.router)
    app.include_router(auth.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    error_handlers.install(app)
    users.install(app)
    # Each add_middleware wraps what is there: the last added sees the request first.
    sessions.install(app, settings)
    security.install(app, settings)
    access_log.install(app, settings.trusted_proxies)
    return app
