"""Home (the login button, or the profile once logged in) and the health check."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..sgid import login, profile
from .rendering import render
from .sessions import Session, store_is_reachable

router = APIRouter(include_in_schema=False)
# Pages answer HEAD as well as GET, as web servers usually do (uptime monitors use it); FastAPI
# adds HEAD to no route by itself. Not /login or /callback: a HEAD must not start or spend a login.


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def home(request: Request, session: Session):
    settings = request.app.state.settings
    user = login.current_user(
        session, settings.session_idle_minutes * 60, settings.session_max_hours * 3600
    )
    fields = profile.present(user["data"]) if user else []
    return render(request, "home.html", user=user, fields=fields)


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz(request: Request):
    ok = await store_is_reachable(request.app)
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "session_store": ok}, status_code=200 if ok else 503
    )
