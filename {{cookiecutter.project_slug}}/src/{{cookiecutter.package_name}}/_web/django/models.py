"""The app's own user record: one row per person who logged in, keyed by sgID's `sub`.

Django's auth (request.user, @login_required, the admin) works on it. It holds only what the
app needs: what sgID shared (name, ...) stays in the session, and ends with it (sgid_data).
sgID is the only way in, so the password is always Django's unusable one.
"""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    def create_user(self, sub: str, password=None, **fields) -> "User":
        """A user who may log in through sgID only (any password given is ignored)."""
        user = self.model(sub=sub, password=make_password(None), **fields)
        user.save(using=self._db)
        return user

    def create_superuser(self, sub: str, password=None, **fields) -> "User":
        return self.create_user(sub, is_staff=True, is_superuser=True, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    # sgID's pairwise subject identifier: stable for this person and this app's client ID.
    sub = models.CharField(max_length=255, primary_key=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site.")
    is_active = models.BooleanField(default=True, help_text="May log in.")
    date_joined = models.DateTimeField(default=timezone.now)

    # What sgID shared at this login (scope -> value): in the session, never in the database;
    # middleware.py puts it here on each request.
    sgid_data: dict[str, str] = {}

    objects = UserManager()

    USERNAME_FIELD = "sub"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.sub

    @property
    def name(self) -> str | None:
        """Their name, when the app asked for myinfo.name."""
        return self.sgid_data.get("myinfo.name")
