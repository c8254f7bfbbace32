"""The production server, bound to $HOST:$PORT (defaults 0.0.0.0:8000).

python -m <package>.serve
"""

import os
import sys

from .config import ConfigError, load_settings
from .web import create_app


def main() -> int:
    try:
        # Build the app once before any worker starts: bad configuration stops here with one
        # line, and one-time setup (such as creating the session table) runs once, not racing
        # in every worker.
        create_app(load_settings())
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104 (a container listens on every interface)
    port = os.environ.get("PORT", "8000")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
        # Above the adapter's worst case (connect 3 s + reads 10 s per call) for one callback.
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--access-logfile",
        "-",
        # The path without its query string: the callback query holds the authorization code.
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        f"{__package__}.web:create_app()",
    ]
    os.execv(sys.executable, command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
