"""The production server, bound to $HOST:$PORT (defaults 0.0.0.0:8000).

python -m {{ cookiecutter.package_name }}.serve
"""

import os
import sys

from .config import ConfigError, load_settings
from .stores.session_store import store_problem
from .web.server import prepare, production_command


def main() -> int:
    try:
        # Bad configuration stops here, every problem one line, before any worker starts;
        # one-time setup runs once instead of racing in every worker.
        # In production the gate's last check, that the session store answers, is in the report.
        settings = load_settings(store_check=store_problem)
        prepare(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104 (a container listens on every interface)
    port = os.environ.get("PORT", "8000")
    command = production_command(host, port, os.environ.get("WEB_CONCURRENCY", "2"))
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
