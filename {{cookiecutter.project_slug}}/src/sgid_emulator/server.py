"""HTTP routing and the emulator's in-memory state (codes, tokens, pending logins, faults).

One ThreadingHTTPServer; every handler runs in its connection's thread, shared state sits behind
one lock, and slow work (RSA signing, sleeping for the hang fault) happens outside it.
"""

import contextlib
import hashlib
import ipaddress
import json
import re
import secrets
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from {{ cookiecutter.package_name }}.sgid.catalog import SCOPES
from . import pages
from .config import Client
from .faults import apply_claim_faults, check_faults, percent_sub
from .personas import Persona
from .tokens import KeyRing, b64u, encrypt_userinfo, make_id_token, pairwise_sub

MAX_PARAM = 4096
MAX_BODY = 64 * 1024
MAX_PARAMS = 64
PENDING_TTL = 600  # picker/consent requests expire after 10 minutes
MAX_ENTRIES = 100_000  # per table: a flood of logins cannot exhaust memory
COUNTED = ("authorize", "token", "userinfo", "jwks", "openid_configuration")
MAX_TRICKLE = 600  # seconds a trickling answer may take before the emulator gives up on it

_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Headers every response carries: nothing is cacheable, nothing may frame us.
_SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
_HTML_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action *"),
    ("X-Frame-Options", "DENY"),
)


class ParamError(ValueError):
    """Malformed, duplicated or oversized parameters."""


class HttpError(Exception):
    """Abort the request with this response (JSON error body unless html is set)."""

    def __init__(self, status, error, description="", headers=(), close=False):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.headers, self.close = tuple(headers), close


def parse_form_tolerant(raw: str) -> tuple[dict[str, str], dict[str, str]]:
    """Parse form/query text into (params, problems): first good value per name, and why any
    name is unusable (repeated, oversized, badly encoded). /authorize needs this to still find a
    trustworthy client_id and redirect_uri and send the other errors back to the app."""
    params: dict[str, str] = {}
    problems: dict[str, str] = {}
    pairs = [p for p in raw.split("&") if p] if raw else []
    if len(pairs) > MAX_PARAMS:
        problems[""] = "too many parameters"
        pairs = pairs[:MAX_PARAMS]
    seen: set[str] = set()
    for pair in pairs:
        raw_name, _, raw_value = pair.partition("=")
        try:
            name = unquote_plus(raw_name[:512], errors="strict")
        except UnicodeDecodeError:
            problems[""] = "parameters must be UTF-8"
            continue
        if name in seen:
            problems[name] = f"parameter {name[:40]!r} is repeated"
            params.pop(name, None)
            continue
        seen.add(name)
        if len(raw_name) > 128 or _CONTROL_RE.search(name):
            problems[""] = "bad parameter name"
        elif len(pair) > 3 * MAX_PARAM + 64:
            problems[name] = f"parameter {name[:40]!r} is larger than {MAX_PARAM} characters"
        elif _BAD_PERCENT_RE.search(pair):
            problems[name] = f"parameter {name[:40]!r} has bad percent-encoding"
        else:
            try:
                value = unquote_plus(raw_value, errors="strict")
            except UnicodeDecodeError:
                problems[name] = f"parameter {name[:40]!r} is not UTF-8"
                continue
            if len(value) > MAX_PARAM:
                problems[name] = f"parameter {name[:40]!r} is larger than {MAX_PARAM} characters"
            elif _CONTROL_RE.search(value):
                problems[name] = f"parameter {name[:40]!r} holds control characters"
            else:
                params[name] = value
    return params, problems


def parse_form(raw: str) -> dict[str, str]:
    """Strict application/x-www-form-urlencoded parsing (RFC 6749 §3.1: no repeated params)."""
    params, problems = parse_form_tolerant(raw)
    if problems:
        raise ParamError(next(iter(problems.values())))
    return params


def add_query(uri: str, params: dict) -> str:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


@dataclass
class AuthRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str


@dataclass
class Pending:
    request: AuthRequest
    expires: float
    persona: str | None = None


@dataclass
class CodeGrant:
    request: AuthRequest
    persona: str
    expires: float
    used: bool = False
    access_token: str | None = None


@dataclass
class AccessGrant:
    client_id: str
    persona: str
    scopes: tuple[str, ...]
    sub: str
    expires: float


@dataclass
class Settings:
    base_url: str
    clients: dict[str, Client]
    personas: dict[str, Persona]
    auto_approve: str | None = None
    faults: tuple[str, ...] = ()
    hang_seconds: float = 30.0
    code_ttl: float = 300.0
    token_ttl: float = 300.0
    id_token_ttl: float = 300.0
    quiet: bool = False


@dataclass
class State:
    faults: frozenset = frozenset()
    hang_seconds: float = 30.0
    auto_approve: str | None = None
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    pending: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


class Emulator:
    """Everything the handlers share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        base = settings.base_url.rstrip("/")
        self.base_url = base
        self.issuer = f"{base}/v2"
        self.base_path = urlsplit(base).path
        self.keys = KeyRing()
        self.lock = threading.Lock()
        self.state = State()
        self.reset()
        self._sweep_at = 0.0

    def reset(self) -> None:
        s = self.settings
        with self.lock:
            self.state.faults = frozenset(check_faults(list(s.faults)))
            self.state.hang_seconds = s.hang_seconds
            self.state.auto_approve = s.auto_approve
            self.state.counts = dict.fromkeys(COUNTED, 0)

    def admin_reset(self) -> None:
        """POST /_emulator/reset: faults cleared (not the start set), counts zeroed."""
        self.reset()
        with self.lock:
            self.state.faults = frozenset()

    def count(self, name: str) -> None:
        with self.lock:
            self.state.counts[name] += 1

    def snapshot(self) -> tuple[frozenset, float]:
        with self.lock:
            return self.state.faults, self.state.hang_seconds

    def sweep(self, now: float) -> None:
        """Drop expired entries now and then, so long runs (benchmarks) stay bounded."""
        if now < self._sweep_at:
            return
        self._sweep_at = now + 5
        with self.lock:
            for table in (self.state.pending, self.state.codes, self.state.tokens):
                for key in [k for k, v in table.items() if v.expires < now]:
                    del table[key]
                while len(table) > MAX_ENTRIES:  # oldest first (dicts keep insertion order)
                    del table[next(iter(table))]

    def discovery(self) -> dict:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/oauth/authorize",
            "token_endpoint": f"{i}/oauth/token",
            "userinfo_endpoint": f"{i}/oauth/userinfo",
            "jwks_uri": f"{i}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "scopes_supported": list(SCOPES),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "iat", "exp", "nonce"],
        }


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging fault must not hold up shutdown
    request_queue_size = 128

    def __init__(self, address, emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, Handler)

    def handle_error(self, request, client_address) -> None:
        # Clients hanging up mid-request are routine (timeouts, fuzzers): not worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def _is_loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    server_version = "sgid-emulator"
    timeout = 60  # idle keep-alive connections give their thread back
    disable_nagle_algorithm = True  # small responses must not wait for delayed ACKs
    server: EmulatorServer

    # -- plumbing ---------------------------------------------------------------------------

    def __getattr__(self, name: str):
        # Any method (even made-up ones) reaches the router, which answers 405 rather than
        # http.server's 501.
        if name.startswith("do_"):
            return lambda: self._dispatch(name[3:])
        raise AttributeError(name)

    def version_string(self) -> str:
        return self.server_version  # no Python version banner

    def log_request(self, code="-", size="-") -> None:
        pass  # one line per request is written by _dispatch instead

    def log_message(self, format, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None) -> None:
        # Reached only for requests http.server could not parse; never blame ourselves (5xx).
        if code >= 500:
            code = 405 if code == 501 else 400
        self.close_connection = True
        self._status = code
        body = json.dumps({"error": "invalid_request", "error_description": message or ""}).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass
        self._log(time.perf_counter())

    def _log(self, started: float) -> None:
        if self.server.emulator.settings.quiet:
            return
        path = urlsplit(getattr(self, "path", "") or "").path
        path = _CONTROL_RE.sub("?", path)[:200]
        ms = (time.perf_counter() - started) * 1000
        method = _CONTROL_RE.sub("?", str(getattr(self, "command", "-") or "-"))[:16]
        line = f"sgid-emulator {method} {path} {getattr(self, '_status', '-')} {ms:.1f}ms\n"
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def _send(self, status: int, body: bytes, ctype: str, headers=()) -> None:
        self._status = status
        if getattr(self, "_trickle", None):
            self.close_connection = True  # a trickled answer is the connection's last
        if getattr(self, "_has_body", False) and not getattr(self, "_body_read", False):
            # An unread request body would be parsed as the next request: hang up instead.
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in _SECURITY_HEADERS:
            self.send_header(name, value)
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write: one TCP segment for the usual small answer.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        trickle = getattr(self, "_trickle", None)
        if trickle is None:
            self.flush_headers()
            return
        answer, self._headers_buffer = b"".join(self._headers_buffer), []
        self._send_slowly(
            answer, len(answer) - len(body) if trickle[0] == "body" else 0, trickle[1]
        )

    def _send_slowly(self, answer: bytes, at_once: int, interval: float) -> None:
        """The trickle faults: the first at_once bytes, then one byte every interval seconds."""
        self.wfile.write(answer[:at_once])
        started = time.monotonic()
        for i in range(at_once, len(answer)):
            if time.monotonic() - started > MAX_TRICKLE:
                return
            time.sleep(interval)
            self.wfile.write(answer[i : i + 1])  # raises once the client has hung up

    def _json(self, status: int, obj, headers=()) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _html(self, status: int, html: str, headers=()) -> None:
        self._send(
            status, html.encode("utf-8"), "text/html; charset=utf-8", _HTML_HEADERS + tuple(headers)
        )

    def _redirect(self, location: str) -> None:
        self._send(302, b"", "text/plain", (("Location", location),))

    def _error_page(self, status: int, title: str, message: str) -> None:
        self._html(status, pages.error_page(title, message, self.server.emulator.base_path))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(
                411, "invalid_request", "send a Content-Length, not chunked", close=True
            )
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            self._body_read = True
            return b""
        if len(lengths) > 1 or not lengths[0].strip().isdigit():
            raise HttpError(400, "invalid_request", "bad Content-Length", close=True)
        length = int(lengths[0])
        if length > MAX_BODY:
            raise HttpError(
                413, "invalid_request", f"body larger than {MAX_BODY} bytes", close=True
            )
        body = self.rfile.read(length)
        self._body_read = True
        if len(body) != length:
            raise HttpError(400, "invalid_request", "body shorter than Content-Length", close=True)
        return body

    def _form(self) -> dict[str, str]:
        body = self._read_body()
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise HttpError(
                400, "invalid_request", "the body must be application/x-www-form-urlencoded"
            )
        try:
            return parse_form(body.decode("ascii"))
        except UnicodeDecodeError as exc:
            raise HttpError(400, "invalid_request", "a form body must be ASCII") from exc
        except ParamError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from exc

    def _json_body(self, required: bool = True) -> dict:
        body = self._read_body()
        if not body.strip():
            if required:
                raise HttpError(400, "invalid_request", "a JSON object body is required")
            return {}
        try:
            obj = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise HttpError(400, "invalid_request", "the body is not valid JSON") from exc
        if not isinstance(obj, dict):
            raise HttpError(400, "invalid_request", "the body must be a JSON object")
        return obj

    # -- routing ------------------------------------------------------------------------------

    def _routes(self) -> dict:
        emu = self.server.emulator
        v2 = emu.base_path + "/v2"
        adm = emu.base_path + "/_emulator"
        return {
            f"{v2}/oauth/authorize": {"GET": self.authorize_get, "POST": self.authorize_post},
            f"{v2}/oauth/token": {"POST": self.token},
            f"{v2}/oauth/userinfo": {"GET": self.userinfo},
            f"{v2}/.well-known/jwks.json": {"GET": self.jwks},
            f"{v2}/.well-known/openid-configuration": {"GET": self.openid_configuration},
            emu.base_path + pages.CSS_PATH: {"GET": self.css},
            f"{adm}/state": {"GET": self.admin_state},
            f"{adm}/faults": {"PUT": self.admin_put_faults, "DELETE": self.admin_delete_faults},
            f"{adm}/rotate-key": {"POST": self.admin_rotate},
            f"{adm}/auto-approve": {"PUT": self.admin_auto_approve},
            f"{adm}/reset": {"POST": self.admin_reset},
            f"{adm}/personas": {"GET": self.admin_personas},
        }

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        self._status = "-"
        self._body_read = False
        self._trickle = None  # (what, interval) while a trickle fault answers this request
        length = (self.headers.get("Content-Length") or "0").strip()
        self._has_body = bool(self.headers.get("Transfer-Encoding")) or length != "0"
        try:
            path = urlsplit(self.path).path
            methods = self._routes().get(path)
            if methods is None:
                raise HttpError(404, "not_found", "no such endpoint")
            allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else [])])
            if method == "HEAD" and "GET" in methods:
                method = "GET"
            if method == "OPTIONS":
                self._send(204, b"", "text/plain", (("Allow", allow),))
                return
            handler = methods.get(method)
            if handler is None:
                raise HttpError(405, "invalid_request", f"use {allow}", (("Allow", allow),))
            if (
                path.startswith(self.server.emulator.base_path + "/_emulator/")
                and "/static/" not in path
                and not _is_loopback(self.client_address[0])
            ):
                raise HttpError(403, "access_denied", "the admin API answers loopback clients only")
            handler()
        except HttpError as exc:
            if exc.close:
                self.close_connection = True
            self._json(
                exc.status, {"error": exc.error, "error_description": exc.description}, exc.headers
            )
        except ParamError as exc:
            self._json(400, {"error": "invalid_request", "error_description": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug: say so honestly, keep serving
            traceback.print_exc()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._json(500, {"error": "server_error", "error_description": "emulator bug"})
        finally:
            self._log(started)

    # -- faults on whole endpoints -----------------------------------------------------------

    def _endpoint_faults(self, endpoint: str) -> bool:
        """Answer as the broken endpoint would; True when the request was answered."""
        faults, hang = self.server.emulator.snapshot()
        if f"{endpoint}.500" in faults:
            self._json(500, {"error": "server_error", "error_description": "fault switch"})
            return True
        if f"{endpoint}.html" in faults:
            self._html(
                200,
                "<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>",
            )
            return True
        if f"{endpoint}.invalid_json" in faults:
            self._send(200, b'{"error": "this is not, valid json', "application/json")
            return True
        if f"{endpoint}.401" in faults:
            challenge = (("WWW-Authenticate", 'Bearer error="invalid_token"'),)
            self._json(401, {"error": "invalid_token", "error_description": "fault"}, challenge)
            return True
        if f"{endpoint}.garbage" in faults:
            self._send(
                200, b"\xff\xfe\x00garbage" + secrets.token_bytes(64), "application/octet-stream"
            )
            return True
        if f"{endpoint}.wrong_shape" in faults:
            self._json(200, {"keys": "x"})
            return True
        if f"{endpoint}.redirect" in faults:
            self._send(307, b"", "text/plain", (("Location", "https://evil.example/steal"),))
            return True
        if f"{endpoint}.oversized" in faults:
            self._send(200, b'{"padding": "' + b"x" * 2_000_000 + b'"}', "application/json")
            return True
        if f"{endpoint}.hang" in faults:
            time.sleep(hang)
        if f"{endpoint}.trickle" in faults:
            self._trickle = ("body", hang)
        elif f"{endpoint}.trickle_head" in faults:
            self._trickle = ("head", hang)
        return False

    # -- sgID endpoints ------------------------------------------------------------------------

    def openid_configuration(self) -> None:
        emu = self.server.emulator
        emu.count("openid_configuration")
        self._json(200, emu.discovery())

    def jwks(self) -> None:
        emu = self.server.emulator
        emu.count("jwks")
        if self._endpoint_faults("jwks"):
            return
        faults, _ = emu.snapshot()
        body = emu.keys.jwks_body
        if "jwks.no_kid" in faults:
            body = emu.keys.jwks_without_kid()
        elif "jwks.extra_keys" in faults:
            body = emu.keys.jwks_with_unusable_keys()
        self._send(200, body, "application/json")

    def css(self) -> None:
        self._send(200, pages.CSS.encode(), "text/css; charset=utf-8")

    def _auth_redirect(self, req: AuthRequest, **params) -> None:
        self._redirect(add_query(req.redirect_uri, {**params, "state": req.state}))

    def authorize_get(self) -> None:
        emu = self.server.emulator
        emu.count("authorize")
        params, problems = parse_form_tolerant(urlsplit(self.path).query)
        if "client_id" in problems or "redirect_uri" in problems:
            problem = problems.get("client_id") or problems["redirect_uri"]
            self._error_page(400, "Bad login request", problem)
            return
        client = emu.settings.clients.get(params.get("client_id", ""))
        if client is None:
            self._error_page(400, "Unknown app", "No app is registered with this client_id.")
            return
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            self._error_page(
                400,
                "Unregistered redirect URI",
                "The redirect_uri does not exactly match one registered for this app.",
            )
            return
        state = params.get("state")
        partial = AuthRequest(client, redirect_uri, (), state, None, "")

        def fail(error: str, description: str) -> None:
            self._auth_redirect(partial, error=error, error_description=description)

        if problems:
            return fail("invalid_request", next(iter(problems.values())))
        response_type = params.get("response_type")
        if response_type is None:
            return fail("invalid_request", "response_type is required")
        if response_type != "code":
            return fail("unsupported_response_type", "only response_type=code is supported")
        scopes = tuple(dict.fromkeys(params.get("scope", "").split()))
        if "openid" not in scopes:
            return fail("invalid_scope", "scope must include openid")
        not_allowed = [s for s in scopes if s not in client.scopes]
        if not_allowed:
            return fail(
                "invalid_scope", "scope not allowed for this client: " + " ".join(not_allowed)
            )
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge")
        if not challenge:
            return fail("invalid_request", "code_challenge is required (PKCE)")
        if method != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if not _CHALLENGE_RE.fullmatch(challenge):
            return fail("invalid_request", "code_challenge must be a base64url SHA-256 digest")
        nonce = params.get("nonce")
        if nonce == "":
            return fail("invalid_request", "nonce must not be empty when sent")
        req = AuthRequest(client, redirect_uri, scopes, state, nonce, challenge)
        now = time.time()
        emu.sweep(now)
        with emu.lock:
            auto = emu.state.auto_approve
        if auto is not None:
            persona = params.get("login_hint") or auto
            if persona not in emu.settings.personas:
                return fail("invalid_request", "login_hint names no persona")
            return self._issue_code(req, persona)
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
        now = time.time()
        with emu.lock:
            pending = emu.state.pending.get(request_id)
            if pending is not None and pending.expires < now:
                del emu.state.pending[request_id]
                pending = None
        if pending is None:
            self._error_page(
                400,
                "Login request expired",
                "This login request is unknown or older than 10 minutes. Start again from the app.",
            )
            return
        action = form.get("action", "")
        req = pending.request
        if action == "choose":
            persona = emu.settings.personas.get(form.get("persona", ""))
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
        elif action == "back":
            with emu.lock:
                pending.persona = None
            self._picker(request_id, req)
        elif action in ("approve", "deny"):
            with emu.lock:
                persona_id = pending.persona
                if persona_id is not None:
                    emu.state.pending.pop(request_id, None)
            if persona_id is None:
                self._picker(request_id, req, "Choose one of the personas first.", 400)
            elif action == "approve":
                self._issue_code(req, persona_id)
            else:
                self._auth_redirect(
                    req, error="access_denied", error_description="the user denied the request"
                )
        else:
            self._error_page(400, "Bad form", "Unknown action.")

    def _issue_code(self, req: AuthRequest, persona: str) -> None:
        emu = self.server.emulator
        code = secrets.token_urlsafe(32)
        with emu.lock:
            emu.state.codes[code] = CodeGrant(req, persona, time.time() + emu.settings.code_ttl)
        self._auth_redirect(req, code=code)

    def token(self) -> None:
        emu = self.server.emulator
        emu.count("token")
        if self._endpoint_faults("token"):
            return
        form = self._form()
        if form.get("grant_type") is None:
            raise HttpError(400, "invalid_request", "grant_type is required")
        if form["grant_type"] != "authorization_code":
            raise HttpError(400, "unsupported_grant_type", "only authorization_code is supported")
        if self.headers.get("Authorization"):
            raise HttpError(
                400, "invalid_request", "this client authenticates with client_secret_post only"
            )
        client = emu.settings.clients.get(form.get("client_id", ""))
        secret = form.get("client_secret", "")
        if client is None or not secrets.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            raise HttpError(401, "invalid_client", "unknown client or wrong client_secret")
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise HttpError(400, "invalid_request", f"{name} is required")
        now = time.time()
        with emu.lock:
            grant = emu.state.codes.get(form["code"])
            reused = grant is not None and grant.used
            if grant is not None:
                grant.used = True  # one attempt per code, successful or not
                if reused and grant.access_token:
                    # RFC 6749 §4.1.2: a replayed code revokes what it issued.
                    emu.state.tokens.pop(grant.access_token, None)
        if grant is None or reused:
            raise HttpError(400, "invalid_grant", "unknown, expired or already used code")
        req = grant.request
        if grant.expires < now:
            raise HttpError(400, "invalid_grant", "the code has expired")
        if req.client.client_id != client.client_id:
            raise HttpError(400, "invalid_grant", "the code was issued to another client")
        if form["redirect_uri"] != req.redirect_uri:
            raise HttpError(400, "invalid_grant", "redirect_uri differs from the authorize request")
        verifier = form["code_verifier"]
        if not _VERIFIER_RE.fullmatch(verifier):
            raise HttpError(
                400, "invalid_grant", "code_verifier must be 43-128 unreserved characters"
            )
        computed = b64u(hashlib.sha256(verifier.encode("ascii")).digest())
        if not secrets.compare_digest(computed, req.code_challenge):
            raise HttpError(400, "invalid_grant", "code_verifier does not match code_challenge")

        faults, _ = emu.snapshot()
        sub = pairwise_sub(grant.persona, client.client_id)
        if "id_token.percent_sub" in faults:
            sub = percent_sub(sub)  # userinfo answers the same sub (AccessGrant below)
        iat = int(now)
        claims = {
            "iss": emu.issuer,
            "sub": sub,
            "aud": client.client_id,
            "iat": iat,
            "exp": iat + int(emu.settings.id_token_ttl),
        }
        if req.nonce is not None:
            claims["nonce"] = req.nonce
        id_token = make_id_token(emu.keys, apply_claim_faults(claims, faults), faults)
        access_token = secrets.token_urlsafe(32)
        answer = {
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": int(emu.settings.token_ttl),
            "scope": " ".join(req.scopes),
        }
        if "token.no_id_token" in faults:
            del answer["id_token"]
        with emu.lock:
            emu.state.tokens[access_token] = AccessGrant(
                client.client_id, grant.persona, req.scopes, sub, now + emu.settings.token_ttl
            )
            grant.access_token = access_token
        self._json(200, answer)

    def userinfo(self) -> None:
        emu = self.server.emulator
        emu.count("userinfo")
        if self._endpoint_faults("userinfo"):
            return
        challenge = (("WWW-Authenticate", 'Bearer error="invalid_token"'),)
        values = self.headers.get_all("Authorization") or []
        scheme, _, token = (values[0] if len(values) == 1 else "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HttpError(
                401, "invalid_token", "send Authorization: Bearer <access token>", challenge
            )
        with emu.lock:
            grant = emu.state.tokens.get(token)
        if grant is None or grant.expires < time.time():
            raise HttpError(401, "invalid_token", "unknown or expired access token", challenge)
        faults, _ = emu.snapshot()
        sub = grant.sub
        if "userinfo.sub_mismatch" in faults:
            sub = pairwise_sub(grant.persona, grant.client_id + "#someone-else")
        body: dict = {"sub": sub}
        values_by_scope = {
            s: emu.settings.personas[grant.persona].data[s] for s in grant.scopes if s != "openid"
        }
        # openid-only: sgID omits key and data altogether (the extra_fields fault adds some anyway).
        has_data = values_by_scope or "userinfo.extra_fields" in faults
        if has_data and "userinfo.no_data" not in faults:
            client = emu.settings.clients[grant.client_id]
            stranger = (
                emu.keys.stranger().private.public_key() if "userinfo.wrong_key" in faults else None
            )
            body["key"], body["data"] = encrypt_userinfo(
                client.public_key, values_by_scope, faults, stranger
            )
        self._json(200, body)

    # -- admin API (loopback only) -----------------------------------------------------------

    def admin_state(self) -> None:
        emu = self.server.emulator
        with emu.lock:
            st = emu.state
            body = {
                "faults": sorted(st.faults),
                "hang_seconds": st.hang_seconds,
                "counts": dict(st.counts),
                "kids": emu.keys.kids,
                "auto_approve": st.auto_approve,
                "issuer": emu.issuer,
            }
        self._json(200, body)

    def admin_put_faults(self) -> None:
        emu = self.server.emulator
        body = self._json_body()
        names = body.get("faults", [])
        if not isinstance(names, list):
            raise HttpError(400, "invalid_request", "faults must be a list of names")
        try:
            faults = check_faults(names)
        except ValueError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from exc
        hang = body.get("hang_seconds")
        if hang is not None and (
            isinstance(hang, bool) or not isinstance(hang, (int, float)) or not 0 <= hang <= 3600
        ):
            raise HttpError(400, "invalid_request", "hang_seconds must be a number from 0 to 3600")
        with emu.lock:
            emu.state.faults = frozenset(faults)
            if hang is not None:
                emu.state.hang_seconds = float(hang)
        self.admin_state()

    def admin_delete_faults(self) -> None:
        emu = self.server.emulator
        with emu.lock:
            emu.state.faults = frozenset()
        self.admin_state()

    def admin_rotate(self) -> None:
        emu = self.server.emulator
        body = self._json_body(required=False)
        keep_old = body.get("keep_old", True)
        if not isinstance(keep_old, bool):
            raise HttpError(400, "invalid_request", "keep_old must be true or false")
        key = emu.keys.rotate(keep_old)
        self._json(200, {"kid": key.kid, "kids": emu.keys.kids})

    def admin_auto_approve(self) -> None:
        emu = self.server.emulator
        body = self._json_body()
        if "persona" not in body:
            raise HttpError(400, "invalid_request", 'send {"persona": "<id>"} or {"persona": null}')
        persona = body["persona"]
        if persona is not None and persona not in emu.settings.personas:
            raise HttpError(
                400,
                "invalid_request",
                "unknown persona; valid: " + ", ".join(emu.settings.personas),
            )
        with emu.lock:
            emu.state.auto_approve = persona
        self.admin_state()

    def admin_reset(self) -> None:
        self.server.emulator.admin_reset()
        self.admin_state()

    def admin_personas(self) -> None:
        people = self.server.emulator.settings.personas.values()
        self._json(200, [{"id": p.id, "name": p.name} for p in people])
