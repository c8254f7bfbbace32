"""/authorize: the login request, the persona picker and consent pages, and the code it issues.

Errors about the client or its redirect URI are shown here (they cannot safely go back to the
app); every other error goes back to the app's redirect URI, as OAuth 2.0 says.
"""

import re
import secrets
import time
from urllib.parse import urlsplit

from {{ cookiecutter.package_name }}.sgid.catalog import SCOPES

from . import pages
from .config import Client
from .framing import HttpError, add_query, parse_form_tolerant
from .state import PENDING_TTL, AuthRequest, CodeGrant, Pending

_CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def requested_scopes(params: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(params.get("scope", "").split()))


def authorization_problem(
    params: dict[str, str], problems: dict[str, str], client: Client
) -> tuple[str, str] | None:
    """The first (error, description) to send back to the app, or None for a good request."""
    scopes = requested_scopes(params)
    not_allowed = [s for s in scopes if s not in client.scopes]
    response_type = params.get("response_type")
    challenge = params.get("code_challenge")
    checks = (  # in the order they are reported
        (bool(problems), "invalid_request", next(iter(problems.values()), "")),
        (response_type is None, "invalid_request", "response_type is required"),
        (
            response_type != "code",
            "unsupported_response_type",
            "only response_type=code is supported",
        ),
        ("openid" not in scopes, "invalid_scope", "scope must include openid"),
        (
            bool(not_allowed),
            "invalid_scope",
            "scope not allowed for this client: " + " ".join(not_allowed),
        ),
        (not challenge, "invalid_request", "code_challenge is required (PKCE)"),
        (
            params.get("code_challenge_method") != "S256",
            "invalid_request",
            "code_challenge_method must be S256",
        ),
        (
            not _CHALLENGE_RE.fullmatch(challenge or ""),
            "invalid_request",
            "code_challenge must be a base64url SHA-256 digest",
        ),
        (params.get("nonce") == "", "invalid_request", "nonce must not be empty when sent"),
    )
    return next(((error, why) for failed, error, why in checks if failed), None)


class AuthorizeEndpoint:
    """GET /authorize checks the request; POST /authorize is the picker's and consent's form."""

    def authorize_get(self) -> None:
        emu = self.server.emulator
        emu.count("authorize")
        params, problems = parse_form_tolerant(urlsplit(self.path).query)
        client = self._registered_client(params, problems)
        if client is None:
            return
        redirect_uri, state = params.get("redirect_uri", ""), params.get("state")
        problem = authorization_problem(params, problems, client)
        if problem is not None:
            partial = AuthRequest(client, redirect_uri, (), state, None, "")
            self._auth_redirect(partial, error=problem[0], error_description=problem[1])
            return
        scopes = requested_scopes(params)
        nonce, challenge = params.get("nonce"), params["code_challenge"]
        req = AuthRequest(client, redirect_uri, scopes, state, nonce, challenge)
        self._start_login(req, params.get("login_hint"))

    def _registered_client(self, params: dict, problems: dict) -> Client | None:
        """The client, when client_id and redirect_uri are good; else None, the page shown."""
        emu = self.server.emulator
        if "client_id" in problems or "redirect_uri" in problems:
            problem = problems.get("client_id") or problems["redirect_uri"]
            self._error_page(400, "Bad login request", problem)
            return None
        client = emu.settings.clients.get(params.get("client_id", ""))
        if client is None:
            self._error_page(400, "Unknown app", "No app is registered with this client_id.")
            return None
        if params.get("redirect_uri", "") not in client.redirect_uris:
            self._error_page(
                400,
                "Unregistered redirect URI",
                "The redirect_uri does not exactly match one registered for this app.",
            )
            return None
        return client

    def _start_login(self, req: AuthRequest, login_hint: str | None) -> None:
        """Auto-approve at once, or show the persona picker for a new pending request."""
        emu = self.server.emulator
        now = time.time()
        emu.sweep(now)
        with emu.lock:
            auto = emu.state.auto_approve
        if auto is not None:
            persona = login_hint or auto
            if persona not in emu.settings.personas:
                self._auth_redirect(
                    req, error="invalid_request", error_description="login_hint names no persona"
                )
                return
            self._issue_code(req, persona)
            return
        request_id = secrets.token_urlsafe(32)
        with emu.lock:
            emu.state.pending[request_id] = Pending(req, now + PENDING_TTL)
        self._picker(request_id, req)

    def _picker(self, request_id: str, req: AuthRequest, error: str = "", status: int = 200):
        emu = self.server.emulator
        html = pages.picker_page(
            f"{emu.base_path}/v2/oauth/authorize",
            request_id,
            req.client.client_id,
            emu.settings.personas.values(),
            error,
            emu.base_path,
        )
        self._html(status, html)

    def authorize_post(self) -> None:
        emu = self.server.emulator
        emu.count("authorize")
        try:
            form = self._form()
        except HttpError as exc:
            self._error_page(exc.status if exc.status < 500 else 400, "Bad form", exc.description)
            return
        request_id = form.get("request_id", "")
        pending = self._pending(request_id)
        if pending is None:
            self._error_page(
                400,
                "Login request expired",
                "This login request is unknown or older than 10 minutes. Start again from the app.",
            )
            return
        action = form.get("action", "")
        if action == "choose":
            self._choose(request_id, pending, form.get("persona", ""))
        elif action == "back":
            with emu.lock:
                pending.persona = None
            self._picker(request_id, pending.request)
        elif action in ("approve", "deny"):
            self._decide(request_id, pending, approved=action == "approve")
        else:
            self._error_page(400, "Bad form", "Unknown action.")

    def _pending(self, request_id: str) -> Pending | None:
        """The pending request, unless unknown or expired (an expired one is dropped)."""
        emu = self.server.emulator
        now = time.time()
        with emu.lock:
            pending = emu.state.pending.get(request_id)
            if pending is not None and pending.expires < now:
                del emu.state.pending[request_id]
                pending = None
        return pending

    def _choose(self, request_id: str, pending: Pending, persona_id: str) -> None:
        """The picker's choice: remember the persona and show the consent page."""
        emu = self.server.emulator
        req = pending.request
        persona = emu.settings.personas.get(persona_id)
        if persona is None:
            self._picker(request_id, req, "Choose one of the personas to continue.", 400)
            return
        with emu.lock:
            pending.persona = persona.id
        scopes = [SCOPES[s] for s in req.scopes if s in SCOPES]
        self._html(
            200,
            pages.consent_page(
                f"{emu.base_path}/v2/oauth/authorize",
                request_id,
                req.client.client_id,
                persona,
                scopes,
                emu.base_path,
            ),
        )

    def _decide(self, request_id: str, pending: Pending, approved: bool) -> None:
        """The consent page's answer: a code, or access_denied, back to the app."""
        emu = self.server.emulator
        req = pending.request
        with emu.lock:
            persona_id = pending.persona
            if persona_id is not None:
                emu.state.pending.pop(request_id, None)
        if persona_id is None:
            self._picker(request_id, req, "Choose one of the personas first.", 400)
        elif approved:
            self._issue_code(req, persona_id)
        else:
            self._auth_redirect(
                req, error="access_denied", error_description="the user denied the request"
            )

    def _issue_code(self, req: AuthRequest, persona: str) -> None:
        emu = self.server.emulator
        code = secrets.token_urlsafe(32)
        with emu.lock:
            emu.state.codes[code] = CodeGrant(req, persona, time.time() + emu.settings.code_ttl)
        self._auth_redirect(req, code=code)

    def _auth_redirect(self, req: AuthRequest, **params) -> None:
        self._redirect(add_query(req.redirect_uri, {**params, "state": req.state}))

    def _error_page(self, status: int, title: str, message: str) -> None:
        self._html(status, pages.error_page(title, message, self.server.emulator.base_path))

    def css(self) -> None:
        self._send(200, pages.CSS.encode(), "text/css; charset=utf-8")
