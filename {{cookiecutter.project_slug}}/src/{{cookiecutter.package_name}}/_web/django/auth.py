"""Login, callback and logout: the Django side of sgid/login.py."""

from functools import cache

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from ..sgid import login
from ..sgid.adapter import SgidAdapter
from .error_handlers import callback_error_page
from .sessions import session_fits


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
        return_to = login.finish(pending, sgid(), params, request.session, session_fits)
    except login.CallbackError as exc:
        response = callback_error_page(request, exc.kind)
    else:
        request.session.cycle_key()  # a new id: an id seen before login is worth nothing
        response = see_other(return_to)
    if login_cookie().name in request.COOKIES:
        login_cookie().write(response, pending)  # the attempt is used up, whatever the outcome
    return response


@require_POST
def logout(request):
    request.session.flush()  # deletes the server-side record, not just the cookie
    return see_other("/logged-out")


@require_safe
def logged_out(request):
    return render(request, "logged_out.html")
