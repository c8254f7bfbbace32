"""Who is logged in (g.user, login_required), and login, callback and logout: the framework
side of sgid/login.py."""

import functools
from urllib.parse import quote

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
)

from ..accounts import access
from ..accounts.user import User
from ..sgid import login
from . import error_handlers
from .sessions import record_login, rotate_session_id, session_fits

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_logged_in_user():
    """g.user: the person logged in (accounts/user.py), or None. login.current_user also ends
    idle or too old sessions, and writes the session at most once a minute."""
    g.user = None
    if request.endpoint == "static":
        return  # the same files for everyone: reading the session would add Vary: Cookie
    settings = current_app.config["SETTINGS"]
    entry = login.current_user(
        session, settings.session_idle_minutes * 60, settings.session_max_hours * 3600
    )
    if entry:
        g.user = User.from_session(entry)


@bp.app_context_processor
def user_in_pages():
    # The shared templates show the logout form when `user` is set.
    return {"user": g.get("user")}


def login_required(view):
    """Let only logged-in people see the view; send others to log in and back here, as
    Django's login_required does: 302 to /login?next=<this page's path and query>."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if g.user is None:
            return redirect(f"/login?next={quote(this_page(), safe='/')}", code=302)
        return view(**kwargs)

    return wrapped_view


def this_page() -> str:
    """This request's path and query, percent-encoded as a URL (login keeps only ASCII paths)."""
    query = quote(request.query_string, safe="&=+%")  # raw bytes, already encoded as sent
    return quote(request.path) + (f"?{query}" if query else "")


@bp.get("/login")
def start():
    cookie = current_app.extensions["sgid_login_cookie"]
    pending = cookie.read(request.cookies)
    url = login.begin(pending, current_app.extensions["sgid"], request.args.get("next"))
    response = redirect(url, code=302)
    cookie.write(response, pending)
    return response


@bp.get("/callback")
def callback():
    cookie = current_app.extensions["sgid_login_cookie"]
    pending = cookie.read(request.cookies)
    try:
        identity, return_to = login.finish(
            pending,
            current_app.extensions["sgid"],
            list(request.args.items(multi=True)),
            session,
            session_fits,
            may_log_in=access.may_log_in,
        )
    except login.CallbackError as exc:
        response = make_response(error_handlers.callback_error_page(exc.kind))
    else:
        record_login(identity)
        rotate_session_id(session)
        response = redirect(return_to, code=303)
    if cookie.name in request.cookies:
        cookie.write(response, pending)  # the attempt is used up, whatever the outcome
    return response


@bp.post("/logout")
def logout():
    session.clear()
    return redirect("/logged-out", code=303)


@bp.get("/logged-out")
def logged_out():
    return render_template("logged_out.html")
