"""Home (the login button, or the profile once logged in) and the health check."""

from flask import Blueprint, current_app, jsonify, render_template, session

from ..sgid import login, profile
from .sessions import store_is_reachable

bp = Blueprint("views", __name__)


@bp.get("/")
def home():
    settings = current_app.config["SETTINGS"]
    user = login.current_user(
        session, settings.session_idle_minutes * 60, settings.session_max_hours * 3600
    )
    fields = profile.present(user["data"]) if user else []
    return render_template("home.html", user=user, fields=fields)


@bp.get("/healthz")
def healthz():
    ok = store_is_reachable()
    return jsonify(status="ok" if ok else "degraded", session_store=ok), 200 if ok else 503
