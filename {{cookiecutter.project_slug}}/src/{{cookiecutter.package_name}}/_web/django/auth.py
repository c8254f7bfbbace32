"""Login, callback and logout: the Django side of sgid/login.py."""

import logging
from functools import cache

from django.conf import settings
from django.contrib import auth
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from ..accounts import access
from ..sgid import login
from ..sgid.adapter import SgidAdapter
from .error_handlers import callback_error_page
from .sessions import session_fits

log = logging.getLogger(__name__)


@cache
def sgid() -> SgidAdapter:
    """One adapter per process: it caches sgID's signing keys."""
    return SgidAdapter.from_settings(settings.APP_SETTINGS)


@cache
def login_cookie() -> login.LoginCookie:
    return login.LoginCookie.from_settings(settings.APP_SETTINGS)


def see_other(location: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(location)
    response.status_code = 303
    return response


@require_safe
def start(request):
    pending = login_cookie().read(request.COOKIES)
    url = login.begin(pending, sgid(), request.GET.get("next"))
    response = HttpResponseRedirect(url)
    login_cookie().write(response, pending)
    return response


@require_safe
def callback(request):
    pending = login_cookie().read(request.COOKIES)
    try:
        # Every value of every name, so parse_callback can refuse repeated parameters.
        params = [(name, value) for name, values in request.GET.lists() for value in values]
        identity, return_to = login.finish(
            pending, sgid(), params, request.session, session_fits, may_log_in=access.may_log_in
        )
    except login.CallbackError as exc:
        response = callback_error_page(request, exc.kind)
    else:
        response = django_login(request, identity, return_to)
    if login_cookie().name in request.COOKIES:
        login_cookie().write(response, pending)  # the attempt is used up, whatever the outcome
    return response


def django_login(request, identity, return_to: str):
    """Log the person in to Django's auth too: their record (backends.py, accounts/records.py),
    request.user, and a new session id (an id seen before login is worth nothing)."""
    user = auth.authenticate(request, identity=identity)
    if user is None:  # an inactive user (is_active off in the admin)
        request.session.flush()
        log.warning("login refused: inactive user")
        return callback_error_page(request, "forbidden")
    auth.login(request, user)
    return see_other(return_to)


@require_POST
def logout(request):
    auth.logout(request)  # flushes the session: the server-side record too, not just the cookie
    return see_other("/logged-out")


@require_safe
def logged_out(request):
    return render(request, "logged_out.html")
