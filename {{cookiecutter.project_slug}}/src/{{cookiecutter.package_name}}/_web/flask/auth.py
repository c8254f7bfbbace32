"""Login, callback and logout: the framework side of sgid/login.py."""

import logging

from flask import Blueprint, current_app, redirect, render_template, request, session

from ..sgid import login
from . import errors
from .sessions import rotate_session_id

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@bp.get("/login")
def start():
    url = login.begin(session, current_app.extensions["sgid"], request.args.get("next"))
    return redirect(url, code=302)


@bp.get("/callback")
def callback():
    try:
        params = login.parse_callback(list(request.args.items(multi=True)))
        identity, return_to = login.complete(session, current_app.extensions["sgid"], params)
    except login.CallbackError as exc:
        log.warning("login failed: %s (%s)", exc.kind, exc.reason)
        return errors.callback_error_page(exc.kind)
    login.sign_in(session, identity)
    rotate_session_id(session)
    log.info("login ok")
    return redirect(return_to, code=303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect("/logged-out", code=303)


@bp.get("/logged-out")
def logged_out():
    return render_template("logged_out.html")
