"""What the server-side session stores (database, redis) share: a friendly 503 while the store
is down, and no size limit."""

import logging
from contextlib import AbstractContextManager, nullcontext

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from ..pages.error_messages import STORE_RETRY_AFTER, STORE_UNAVAILABLE

log = logging.getLogger(__name__)


def session_fits(session) -> bool:
    """Whether the store can keep this session (login.sign_in asks)."""
    return True  # a server-side store has no 4 kB limit


class StoreOutageMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, answering the friendly 503 while the store is down.

    The session is read here, before any view or the CSRF check, when the browser sent a
    session id: if the store cannot answer, nobody can be told apart, so nobody is treated as
    logged in. Failed writes (in a view, or after it) get the same page. Each store's
    sessions.py names its errors and how a store operation waits (store_slot).
    """

    store_errors: tuple[type[Exception], ...] = ()

    def store_slot(self) -> AbstractContextManager:
        return nullcontext()

    def process_request(self, request):
        super().process_request(request)
        if request.session.session_key is None:
            return None  # a new visitor: nothing to read
        try:
            # Loads the session now; only a session id sent by the browser reaches the store.
            with self.store_slot():
                request.session.get("_")
        except self.store_errors as exc:
            return store_unavailable(request, exc)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, self.store_errors):
            return store_unavailable(request, exception)
        return None

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        # Only a session with something to write or delete reaches the store.
        needs_store = session is not None and (session.modified or session.session_key)
        try:
            with self.store_slot() if needs_store else nullcontext():
                response = super().process_response(request, response)
        except self.store_errors as exc:
            return store_unavailable(request, exc)
        return response


def store_unavailable(request, exc: Exception):
    from .error_handlers import render_error

    log.warning("session store unavailable: %s", type(exc).__name__)
    response = render_error(request, STORE_UNAVAILABLE)
    response["Retry-After"] = STORE_RETRY_AFTER
    return response
