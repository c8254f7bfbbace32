"""Friendly error pages: a plain message and a way forward, never a stack trace or sgID's text."""

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..pages.error_messages import (
    CALLBACK_ERRORS,
    STORE_RETRY_AFTER,
    STORE_UNAVAILABLE,
    ErrorPage,
    StoreUnavailable,
    http_error_page,
)

log = logging.getLogger(__name__)


def render_error(page: ErrorPage):
    return render_template("error.html", page=page), page.status


def callback_error_page(kind: str):
    return render_error(CALLBACK_ERRORS[kind])


def store_unavailable_page():
    body, status = render_error(STORE_UNAVAILABLE)
    return body, status, {"Retry-After": STORE_RETRY_AFTER}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        log.warning("csrf refused: %s", exc.description)
        return render_error(CALLBACK_ERRORS["csrf"])

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(exc):
        return store_unavailable_page()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(getattr(exc, "original_exception", None), StoreUnavailable):
            # Saving the session failed after the view ran; Flask reports that as a 500.
            return store_unavailable_page()
        return render_error(http_error_page(exc.code or 500))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return render_error(http_error_page(500))
