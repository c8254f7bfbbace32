"""The routes; the same paths as every other framework's layer."""

from django.contrib import admin
from django.urls import path

from . import auth, error_handlers, views

urlpatterns = [
    path("", views.home),
    path("profile", views.profile),
    path("healthz", views.healthz),
    path("login", auth.start),
    path("callback", auth.callback),
    path("logout", auth.logout),
    path("logged-out", auth.logged_out),
    path("admin/", admin.site.urls),  # staff only (admin.py)
]

handler400 = error_handlers.bad_request
handler403 = error_handlers.permission_denied
handler404 = error_handlers.not_found
handler500 = error_handlers.server_error
