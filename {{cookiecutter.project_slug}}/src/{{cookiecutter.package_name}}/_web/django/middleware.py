"""Small middleware: the request log, the shared security headers, request.user within the
session's time limits, the CSRF field name, 405s."""

import time

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpResponseNotAllowed
from django.utils.functional import SimpleLazyObject

from ..pages.error_messages import http_error_page
from ..security.headers import security_headers as headers_for
from ..serving.logs import log_request
from ..sgid import login

# Django's form field for the CSRF token; the shared page contract posts it as csrf_token.
CSRF_FIELD = "csrf_token"


def request_log(get_response):
    """The app's one line per request (serving/logs.py); gunicorn's own access log is off."""

    def middleware(request):
        started = time.perf_counter()
        response = get_response(request)
        log_request(
            request.method,
            # The path's bytes as latin-1 (PEP 3333); never the query string.
            (request.META.get("SCRIPT_NAME", "") + request.META.get("PATH_INFO", "")).encode(
                "latin-1"
            ),
            response.status_code,
            time.perf_counter() - started,
            request.scheme,
        )
        return response

    return middleware


def security_headers(get_response):
    """The headers every framework sends (security/headers.py), on every response."""
    production = settings.PRODUCTION

    def middleware(request):
        response = get_response(request)
        for name, value in headers_for(request.path, production).items():
            response.setdefault(name, value)
        return response

    return middleware


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's request.user, once sessions past their time limits (login.current_user) have
    ended, Django's login with them; the user carries what sgID shared at login (sgid_data),
    which lives in the session, not in the database."""

    def process_request(self, request):
        app = settings.APP_SETTINGS
        idle, most = app.session_idle_minutes * 60, app.session_max_hours * 3600
        # Clears the whole session when it is over, Django's login keys included.
        entry = login.current_user(request.session, idle, most)
        super().process_request(request)
        if entry:
            record = request.user  # still lazy: read from the database when first used
            request.user = SimpleLazyObject(lambda: with_sgid_data(record, entry["data"]))


def with_sgid_data(user, data: dict[str, str]):
    if user.is_authenticated:
        user.sgid_data = data
    return user


def csrf_token_field(get_response):
    """Hand the form's csrf_token to Django's own CSRF check, which does all the checking.

    CsrfViewMiddleware reads the field csrfmiddlewaretoken, else the X-CSRFToken header; the
    pages of every framework post csrf_token, so its value is passed on as that header.
    """

    def middleware(request):
        if request.method == "POST" and settings.CSRF_HEADER_NAME not in request.META:
            token = request.POST.get(CSRF_FIELD)
            if token:
                request.META[settings.CSRF_HEADER_NAME] = token
        return get_response(request)

    return middleware


def friendly_method_not_allowed(get_response):
    """require_GET and friends answer 405 with an empty body; show the friendly page instead."""

    def middleware(request):
        response = get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            from .error_handlers import render_error

            page = render_error(request, http_error_page(405))
            page["Allow"] = response["Allow"]
            return page
        return response

    return middleware
