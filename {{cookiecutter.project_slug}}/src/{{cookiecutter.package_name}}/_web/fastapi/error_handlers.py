"""Friendly error pages: a plain message and a way forward, never a stack trace or sgID's text."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from ..pages.error_messages import (
    CALLBACK_ERRORS,
    STORE_RETRY_AFTER,
    STORE_UNAVAILABLE,
    ErrorPage,
    http_error_page,
)
from ..security.headers import security_headers
from .rendering import render
from .security import CsrfRefused

log = logging.getLogger(__name__)


def render_error(
    request: Request, page: ErrorPage, headers: dict[str, str] | None = None
) -> HTMLResponse:
    return render(request, "error.html", status_code=page.status, headers=headers, page=page)


def callback_error_page(request: Request, kind: str) -> HTMLResponse:
    return render_error(request, CALLBACK_ERRORS[kind])


def store_unavailable_page(request: Request) -> HTMLResponse:
    """The friendly 503: nobody can be told apart (or recorded) while the store is down."""
    return render_error(request, STORE_UNAVAILABLE, {"Retry-After": STORE_RETRY_AFTER})


def install(app: FastAPI) -> None:
    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused):
        log.warning("csrf refused: the form's token is missing or not this session's")
        return render_error(request, CALLBACK_ERRORS["csrf"])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        # exc.headers keeps what the status needs, such as Allow on a 405.
        return render_error(request, http_error_page(exc.status_code), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        return render_error(request, http_error_page(400))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # Starlette sends this page from outside every middleware, then re-raises so uvicorn
        # logs the traceback; the security headers are added here for that reason.
        headers = security_headers(request.url.path, request.app.state.settings.production)
        return render_error(request, http_error_page(500), headers)
