"""The users in the admin site (admin_site.py). Make someone staff with:
python -m <package>.manage make_staff <sub> (management/commands/make_staff.py).
"""

from django.contrib import admin

from .models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["sub", "is_staff", "is_superuser", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["sub"]
    fields = ["sub", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
    readonly_fields = ["sub"]
    filter_horizontal = ["groups", "user_permissions"]

    def has_add_permission(self, request):
        return False  # records are made by logging in (or make_staff)
