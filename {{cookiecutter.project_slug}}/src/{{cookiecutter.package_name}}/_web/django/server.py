"""How Django is served: gunicorn in production, Django's runserver in development.

serve.py and dev.py call these; they are the only framework-specific part of those commands.
"""

import os
import sys

from ..config import Settings
from ..serving.gunicorn_command import gunicorn_command

PACKAGE = __package__.rpartition(".")[0]
SETTINGS_MODULE = f"{__package__}.settings"


def prepare(settings: Settings) -> None:
    """One-time setup before any worker starts: load Django and create or update its tables
    (the users; with the database store, the sessions too)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()
    from django.conf import settings as django_settings
    from django.core.management import call_command

    from ..stores.schema_lock import schema_lock

    # Idempotent, and run once here rather than racing in every worker (instances starting
    # together take turns). Deployments that run migrations as a release step use the same
    # command: python -m <package>.manage migrate
    with schema_lock(django_settings.DATABASE_URL):
        call_command("migrate", interactive=False, verbosity=0)


def production_command(host: str, port: str, workers: str) -> list[str]:
    return gunicorn_command(f"{__package__}.wsgi:application", host, port, workers)


def dev_command(host: str, port: int) -> tuple[list[str], dict[str, str]]:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [sys.executable, "-m", f"{PACKAGE}.manage", "runserver", address]
    return command, {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
