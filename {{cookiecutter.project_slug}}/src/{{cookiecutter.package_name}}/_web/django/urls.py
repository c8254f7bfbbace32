"""The routes; the same paths as every other framework's layer."""

from django.urls import path

from . import auth, errors, pages

urlpatterns = [
    path("", pages.home),
    path("healthz", pages.healthz),
    path("login", auth.start),
    path("callback", auth.callback),
    path("logout", auth.logout),
    path("logged-out", auth.logged_out),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
