"""The admin site (/admin/) for staff users, who log in through sgID like everyone else.

Make someone staff with: python -m <package>.manage make_staff <sub> (management/commands/).
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import User


class SgidAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """No password form: the admin's login page sends people to sgID and back."""
        if request.user.is_authenticated:  # logged in, but not staff
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or request.path)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["sub", "is_staff", "is_superuser", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["sub"]
    fields = ["sub", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
    readonly_fields = ["sub"]
    filter_horizontal = ["groups", "user_permissions"]

    def has_add_permission(self, request):
        return False  # records are made by logging in
