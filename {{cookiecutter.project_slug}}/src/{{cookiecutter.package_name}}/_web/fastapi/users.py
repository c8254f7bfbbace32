"""Who is logged in, as FastAPI dependencies: a page everyone sees takes `user: OptionalUser`
(a User, or None), a page only signed-in people see takes `user: CurrentUser`.

    @router.get("/applications")
    async def applications(request: Request, user: CurrentUser): ...

A logged-out visitor of a CurrentUser page is sent to log in (302 to /login?next=<the page>,
as Django's login_required does) and comes back to it afterwards. Both read the session, which
login.current_user() ends when idle or too old; neither writes it unless that changed it.
"""

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse

from ..accounts.user import User
from ..sgid import login
from .sessions import Session

LOGIN_URL = "/login"


class LoginRequired(Exception):
    """A page for signed-in people was asked for by someone logged out."""


async def _optional_user(request: Request, session: Session) -> User | None:
    settings = request.app.state.settings
    entry = login.current_user(
        session, settings.session_idle_minutes * 60, settings.session_max_hours * 3600
    )
    return User.from_session(entry) if entry else None


OptionalUser = Annotated[User | None, Depends(_optional_user)]


async def _current_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        return _login_redirect(request)


def _login_redirect(request: Request) -> RedirectResponse:
    """302 to the login, which sends the visitor back to this page, query string and all.

    302 rather than Starlette's default 307: the login is a different page, to be fetched
    with GET whatever the request was."""
    # The ASGI path is decoded: quoted again (as Django's get_full_path does) so that the
    # return path names the same page. The query string is as sent.
    path = quote(request.scope["path"], safe="/:@&+$,!*'()")
    if request.url.query:
        path += "?" + request.url.query
    return RedirectResponse(f"{LOGIN_URL}?{urlencode({'next': path}, safe='/')}", status_code=302)
