"""Login, callback and logout: the framework side of sgid/login.py."""

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session

from ..sgid import login
from . import error_handlers
from .sessions import rotate_session_id, session_fits

bp = Blueprint("auth", __name__)


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
        params = list(request.args.items(multi=True))
        return_to = login.finish(
            pending, current_app.extensions["sgid"], params, session, session_fits
        )
    except login.CallbackError as exc:
        response = make_response(error_handlers.callback_error_page(exc.kind))
    else:
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
