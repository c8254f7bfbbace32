"""The admin site's app, with the admin site that logs in through sgID (admin_site.py)."""

from django.contrib.admin import apps

WEB = __package__


class AdminConfig(apps.AdminConfig):
    default = False  # not this package's own app: INSTALLED_APPS names it
    default_site = f"{WEB}.admin_site.SgidAdminSite"
