"""The admin site (/admin/) for staff users, who log in through sgID like everyone else.

Its own module, apart from the registrations in admin.py: Django imports this class while it
sets up admin.site, before anything can be registered on it.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


class SgidAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """No password form: the admin's login page sends people to sgID and back."""
        if request.user.is_authenticated:  # logged in, but not staff
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or request.path)
