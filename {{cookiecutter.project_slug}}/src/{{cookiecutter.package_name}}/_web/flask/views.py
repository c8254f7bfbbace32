"""The public home page, the profile (for logged-in people) and the health check."""

from flask import Blueprint, g, jsonify, render_template

from ..sgid import profile
from .auth import login_required
from .sessions import store_is_reachable

bp = Blueprint("views", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/profile")
@login_required
def show_profile():
    return render_template("profile.html", fields=profile.present(g.user.data))


@bp.get("/healthz")
def healthz():
    ok = store_is_reachable()
    return jsonify(status="ok" if ok else "degraded", session_store=ok), 200 if ok else 503
