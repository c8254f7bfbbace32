"""The pages: home (public) and the profile (signed-in people only); and the health check."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..sgid import profile
from .rendering import render
from .sessions import store_is_reachable
from .users import CurrentUser, OptionalUser

router = APIRouter(include_in_schema=False)
# Pages answer HEAD as well as GET, as web servers usually do (uptime monitors use it); FastAPI
# adds HEAD to no route by itself. Not /login or /callback: a HEAD must not start or spend a login.


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def home(request: Request, user: OptionalUser):
    return render(request, "home.html", user=user)


@router.api_route("/profile", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def profile_page(request: Request, user: CurrentUser):
    return render(request, "profile.html", user=user, fields=profile.present(user.data))


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz(request: Request):
    ok = await store_is_reachable(request.app)
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "session_store": ok}, status_code=200 if ok else 503
    )
