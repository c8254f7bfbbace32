"""HTTP framing: parsing requests (forms, JSON bodies) and writing responses, strictly.

Every request is answered with a Content-Length (keep-alive), a small answer in one write, and
the same no-cache, no-sniff headers; bodies are read only when their size is declared and small.
"""

import contextlib
import json
import re
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

MAX_PARAM = 4096
MAX_BODY = 64 * 1024
MAX_PARAMS = 64
MAX_TRICKLE = 600  # seconds a trickling answer may take before the emulator gives up on it

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


def _decode_value(name: str, pair: str, raw_value: str) -> tuple[str | None, str | None]:
    """(value, None) for a usable parameter value, else (None, why not)."""
    label = f"parameter {name[:40]!r}"
    if len(pair) > 3 * MAX_PARAM + 64:
        return None, f"{label} is larger than {MAX_PARAM} characters"
    if _BAD_PERCENT_RE.search(pair):
        return None, f"{label} has bad percent-encoding"
    try:
        value = unquote_plus(raw_value, errors="strict")
    except UnicodeDecodeError:
        return None, f"{label} is not UTF-8"
    if len(value) > MAX_PARAM:
        return None, f"{label} is larger than {MAX_PARAM} characters"
    if _CONTROL_RE.search(value):
        return None, f"{label} holds control characters"
    return value, None


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
            continue
        value, problem = _decode_value(name, pair, raw_value)
        if problem is None:
            params[name] = value
        else:
            problems[name] = problem
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


class FramedHandler(BaseHTTPRequestHandler):
    """Reads and writes HTTP; the subclass says where each request goes (_route)."""

    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    server_version = "sgid-emulator"
    timeout = 60  # idle keep-alive connections give their thread back
    disable_nagle_algorithm = True  # small responses must not wait for delayed ACKs

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

    # -- answering ------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        self._status = "-"
        self._body_read = False
        self._trickle = None  # (what, interval) while a trickle fault answers this request
        length = (self.headers.get("Content-Length") or "0").strip()
        self._has_body = bool(self.headers.get("Transfer-Encoding")) or length != "0"
        try:
            self._route(method)
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

    def _route(self, method: str) -> None:
        raise NotImplementedError

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

    # -- reading ------------------------------------------------------------------------------

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
