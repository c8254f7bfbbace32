"""The admin site (/admin/) for staff users, who log in through sgID like everyone else.

Its own module, apart from the registrations in admin.py: Django imports this class while it
sets up admin.site, before anything can be registered on it.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse


class SgidAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """No password form: the admin's login page sends people to sgID and back (/login
        keeps only a local `next`)."""
        index = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return HttpResponseRedirect(index)
        if request.user.is_authenticated:  # logged in, but not staff
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or index)
