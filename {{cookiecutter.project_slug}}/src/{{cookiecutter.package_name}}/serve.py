"""The production server, bound to $HOST:$PORT (defaults 0.0.0.0:8000).

python -m <package>.serve
"""

import os
import sys

from .config import ConfigError, load_settings
{%- if cookiecutter.session_store != "cookie" %}
from .store_check import check_store
{%- endif %}
from .web.server import prepare, production_command


def main() -> int:
    try:
        # Bad configuration stops here with one line, before any worker starts; one-time setup
        # runs once instead of racing in every worker.
        settings = load_settings()
{%- if cookiecutter.session_store != "cookie" %}
        if settings.production:
            check_store(settings)  # the last check of the production gate
{%- endif %}
        prepare(settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104 (a container listens on every interface)
    port = os.environ.get("PORT", "8000")
    command = production_command(host, port, os.environ.get("WEB_CONCURRENCY", "2"))
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
