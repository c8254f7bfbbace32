"""Login, callback and logout: the Django side of sgid/login.py."""

import logging
from functools import cache

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from ..sgid import login
from ..sgid.adapter import SgidAdapter
from .errors import callback_error_page
from .sessions import save_despite_error

log = logging.getLogger(__name__)


@cache
def sgid() -> SgidAdapter:
    """One adapter per process: it caches sgID's signing keys."""
    return SgidAdapter.from_settings(settings.APP_SETTINGS)


def see_other(location: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(location)
    response.status_code = 303
    return response


@require_safe
def start(request):
    url = login.begin(request.session, sgid(), request.GET.get("next"))
{%- if cookiecutter.session_store != "cookie" %}
    # Until someone logs in, the store keeps the session as long as a login may take (login.py);
    # signing in clears the session, and with it this shorter expiry.
    seconds = login.store_seconds(request.session, sgid().login_ttl, settings.SESSION_COOKIE_AGE)
    if seconds < settings.SESSION_COOKIE_AGE:
        request.session.set_expiry(int(seconds))
{%- endif %}
    return HttpResponseRedirect(url)


@require_safe
def callback(request):
    try:
        # Every value of every name, so parse_callback can refuse repeated parameters.
        params = [(name, value) for name, values in request.GET.lists() for value in values]
        identity, return_to = login.complete(request.session, sgid(), login.parse_callback(params))
    except login.CallbackError as exc:
        log.warning("login failed: %s (%s)", exc.kind, exc.reason)
        return save_despite_error(request, callback_error_page(request, exc.kind))
    login.sign_in(request.session, identity)
    request.session.cycle_key()  # a new id: an id seen before login is worth nothing
    log.info("login ok")
    return see_other(return_to)


@require_POST
def logout(request):
    request.session.flush()  # deletes the server-side record, not just the cookie
    return see_other("/logged-out")


@require_safe
def logged_out(request):
    return render(request, "logged_out.html")
