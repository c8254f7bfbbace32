"""The one place mapping an sgID identity to the app's own user record (web/models.py's User),
called on every login (web/backends.py). Add what the app keeps about people here."""

from django.contrib.auth.hashers import make_password

from ..sgid.adapter import Identity
from ..web.models import User


def record_login(identity: Identity) -> User:
    """The person's record, created at their first login."""
    user, _ = User.objects.get_or_create(
        sub=identity.sub,
        defaults={"password": make_password(None)},  # sgID is the only way in
    )
    return user
