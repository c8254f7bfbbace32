"""Django's command-line utility for this app:

  python -m {{ cookiecutter.package_name }}.manage <command>

For example `migrate` (creates the session table; serve and dev also run it), `clearsessions`
(deletes expired sessions) or `check --deploy`.
"""

import os
import sys

from .config import ConfigError


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{__package__}.web.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
