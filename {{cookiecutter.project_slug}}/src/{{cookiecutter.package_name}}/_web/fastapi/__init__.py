"""The FastAPI web layer: an app factory wiring settings, sessions, security and the routers."""

import logging

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..config import APP_NAME, Settings, load_settings
from ..sgid.adapter import SgidAdapter
from . import access_log, auth, errors, pages, security, sessions
from .rendering import STATIC_DIR


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title=APP_NAME,
        # Server-rendered pages, not an API: publish no schema and no docs pages (whose scripts
        # would come from a CDN that the Content-Security-Policy rightly blocks).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.sgid = SgidAdapter.from_settings(settings)
    app.include_router(pages.router)
    app.include_router(auth.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    # Each add_middleware wraps what is there: the last added sees the request first.
    sessions.install(app, settings)
    security.install(app, settings)
    access_log.install(app)
    return app
