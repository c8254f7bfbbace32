"""Django's authentication backend: whom sgID identified, and nobody else, is logged in."""

from django.contrib.auth.backends import ModelBackend

from ..accounts import records


class SgidBackend(ModelBackend):
    """authenticate(request, identity=...) after a successful callback (auth.py); request.user
    and the admin's permissions come from ModelBackend, which also refuses inactive users."""

    def authenticate(self, request, identity=None, **credentials):
        if identity is None:
            return None  # a username and password: there are none
        user = records.record_login(identity)
        return user if self.user_can_authenticate(user) else None
