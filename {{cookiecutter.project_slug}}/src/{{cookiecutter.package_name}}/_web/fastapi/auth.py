"""Login, callback and logout: the framework side of sgid/login.py.

The adapter's calls to sgID block (urllib3), so the callback's work runs in Starlette's thread
pool, in one hop: a slow sgID then holds a thread, never the event loop serving everyone else,
and the adapter's own deadline bounds it. Starting a login is only computation (random values,
a hash), so it stays on the loop: a thread hop would cost more than the work.
"""

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..accounts import access
from ..pages.error_messages import StoreUnavailable
from ..sgid import login
from . import error_handlers
from .rendering import render
from .security import check_csrf
from .sessions import Session, record_login, rotate_session_id, session_fits

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


@router.get("/login")
async def start(request: Request):
    cookie = request.app.state.login_cookie
    pending = cookie.read(request.cookies)
    url = login.begin(pending, request.app.state.sgid, request.query_params.get("next"))
    response = RedirectResponse(url, status_code=302)
    cookie.write(response, pending)
    return response


@router.get("/callback")
async def callback(request: Request, session: Session):
    cookie = request.app.state.login_cookie
    pending = cookie.read(request.cookies)
    # Every (name, value) pair as sent, so a repeated parameter is seen and refused.
    params = request.query_params.multi_items()

    def finish_and_record() -> str:
        identity, return_to = login.finish(
            pending,
            request.app.state.sgid,
            params,
            session,
            fits=lambda session: session_fits(request, session),
            may_log_in=access.may_log_in,  # in the thread pool too: it may look things up
        )
        record_login(request.app, identity)
        return return_to

    try:
        # One hop to the thread pool: the sgID calls and the user record block.
        return_to = await run_in_threadpool(finish_and_record)
    except login.CallbackError as exc:
        response = error_handlers.callback_error_page(request, exc.kind)
    except StoreUnavailable as exc:
        # sgID logged them in but their record could not be kept: not logged in, for now.
        log.warning("login not recorded, so refused: %s", type(exc.__cause__).__name__)
        session.clear()
        response = error_handlers.store_unavailable_page(request)
    else:
        await rotate_session_id(request)
        response = RedirectResponse(return_to, status_code=303)
    if cookie.name in request.cookies:
        cookie.write(response, pending)  # the attempt is used up, whatever the outcome
    return response


@router.post("/logout")
async def logout(request: Request, session: Session):
    await check_csrf(request, session)
    session.clear()  # an emptied session: its record is deleted and the cookie expired
    return RedirectResponse("/logged-out", status_code=303)


@router.api_route("/logged-out", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def logged_out(request: Request):
    return render(request, "logged_out.html")
