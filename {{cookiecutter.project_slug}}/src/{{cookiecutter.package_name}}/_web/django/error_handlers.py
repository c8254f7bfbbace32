"""Friendly error pages: a plain message and a way forward, never a stack trace or sgID's text."""

import logging

from django.shortcuts import render

from ..pages.error_messages import CALLBACK_ERRORS, ErrorPage, http_error_page

log = logging.getLogger(__name__)


def render_error(request, page: ErrorPage):
    return render(request, "error.html", {"page": page}, status=page.status)


def callback_error_page(request, kind: str):
    return render_error(request, CALLBACK_ERRORS[kind])


def csrf_failure(request, reason: str = ""):
    log.warning("csrf refused: %s", reason)
    return render_error(request, CALLBACK_ERRORS["csrf"])


def bad_request(request, exception):
    return render_error(request, http_error_page(400))


def permission_denied(request, exception):
    return render_error(request, http_error_page(403))


def not_found(request, exception):
    return render_error(request, http_error_page(404))


def server_error(request):
    return render_error(request, http_error_page(500))  # Django has logged the exception
