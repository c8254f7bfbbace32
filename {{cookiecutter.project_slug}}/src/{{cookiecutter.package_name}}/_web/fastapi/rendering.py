"""The Jinja page templates, rendered on the server with plain values, as in every framework."""

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..config import APP_NAME
from ..pages import TEMPLATES_DIR
from .security import LazyCsrfToken


def _page_context(request: Request) -> dict:
    return {"app_name": APP_NAME, "csrf_token": LazyCsrfToken(request)}


# Jinja2Templates autoescapes .html files.
templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[_page_context])


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
