"""Home (public), the profile (for those logged in), the health check, and the Jinja setup."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from jinja2 import Environment

from ..config import APP_NAME
from ..sgid.profile import present
from .sessions import store_is_reachable


def jinja_environment(**options) -> Environment:
    """The Jinja environment of the shared templates: what every page gets, as in every framework.

    Django's Jinja2 backend adds csrf_token (and request) to each page's context itself.
    """
    # Escaping on, as in Flask and FastAPI (the backend's default too), and visibly so.
    options.pop("autoescape", None)
    environment = Environment(autoescape=True, **options)
    environment.globals["app_name"] = APP_NAME
    return environment


@require_safe
def home(request):
    user = request.user if request.user.is_authenticated else None
    return render(request, "home.html", {"user": user})


@require_safe
@login_required
def profile(request):
    fields = present(request.user.sgid_data)  # from the session (middleware.py)
    return render(request, "profile.html", {"user": request.user, "fields": fields})


@require_safe
def healthz(request):
    ok = store_is_reachable()
    body = {"status": "ok" if ok else "degraded", "session_store": ok}
    return JsonResponse(body, status=200 if ok else 503)
