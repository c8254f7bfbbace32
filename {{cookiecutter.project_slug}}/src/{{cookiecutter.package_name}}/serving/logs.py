"""One log format for the app and its server: JSON lines in production, plain text in development.

Every request gets one line: method, path (never the query string: the callback's holds the
authorization code), status, duration and scheme (https behind a trusted TLS proxy, which shows
at a glance whether TRUSTED_PROXIES is right). No client address, header, cookie or body is
logged: the load balancer's own log has the addresses, and this one holds no personal data.
"""

import json
import logging
import os
from urllib.parse import quote

REQUESTS = logging.getLogger(f"{__package__}.requests")
PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Characters a path may hold unescaped (RFC 3986 pchar and "/"): anything else, a newline or a
# quote say, is percent-encoded, so a logged path can never forge or break a line.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, plus any request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Django's own records carry a `request` object; these fields have their own name.
            **getattr(record, "request_fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(production: bool) -> logging.Formatter:
    return JsonFormatter() if production else logging.Formatter(PLAIN)


class ServerFormatter(logging.Formatter):
    """The formatter for the server's own lines (start, workers, errors).

    The server configures its logging before the app and its settings load, so this reads
    APP_ENV from the environment, where serve.py has put .env's values.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(PLAIN)
        self._inner = formatter(os.environ.get("APP_ENV", "").strip() == "production")

    def format(self, record: logging.LogRecord) -> str:
        return self._inner.format(record)


def configure(production: bool) -> None:
    """Send every log record of the app to stderr, in the format for this environment."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(production))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def log_request(method: str, path: str | bytes, status: int, seconds: float, scheme: str) -> None:
    """The one line for a request. path: as the server decoded it (WSGI: bytes)."""
    safe_path = quote(path, safe=PATH_SAFE)
    milliseconds = round(seconds * 1000, 1)
    REQUESTS.info(
        "%s %s %s %sms %s",
        method,
        safe_path,
        status,
        milliseconds,
        scheme,
        extra={
            "request_fields": {
                "method": method,
                "path": safe_path,
                "status": status,
                "duration_ms": milliseconds,
                "scheme": scheme,
            }
        },
    )
