"""In production, serve refuses to start when the session store does not answer: at once, with
one line naming the variable, without the password in it, and together with any other problem
with the settings."""

import secrets
import sys
import time

import pytest

from {{ cookiecutter.package_name }}.stores.session_store import VARIABLE as NAME

from tests.support.instances import PRODUCTION
from tests.support.servers import PACKAGE, free_port, refused_to_start

# Waits for the production gate's connection timeout; the quick check leaves it out.
pytestmark = pytest.mark.waits

PASSWORD = "not-to-be-printed"
# Where nothing listens, with a password, for each server-side store.
UNREACHABLE = {
    "REDIS_URL": "redis://:{password}@127.0.0.1:{port}/0",
    "DATABASE_URL": "postgresql+psycopg://app:{password}@127.0.0.1:{port}/sessions",
}


def unreachable_store() -> tuple[str, str]:
    """A store URL with a password, at a port where nothing listens, and that host:port."""
    closed = free_port()
    url = UNREACHABLE[NAME].format(password=PASSWORD, port=closed)
    return url, f"127.0.0.1:{closed}"


def serve(key_files, tmp_path, **changes: str) -> tuple[list[str], str]:
    """Start serve in production with the unreachable store: its stderr lines and all output."""
    url, address = unreachable_store()
    env = {
        "PATH": "",
        **PRODUCTION,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_CLIENT_ID": "a1b2c3",
        "SGID_CLIENT_SECRET": "secret",
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        NAME: url,
        "PORT": str(free_port()),
        **changes,
    }
    started = time.monotonic()
    lines, output = refused_to_start([sys.executable, "-m", f"{PACKAGE}.serve"], env, tmp_path)
    assert time.monotonic() - started < 10
    assert lines and lines[-1].startswith(f"configuration error: {NAME}: "), lines
    assert address in lines[-1]
    return lines, output


def test_serve_stops_when_the_session_store_does_not_answer(key_files, tmp_path):
    lines, output = serve(key_files, tmp_path)
    assert len(lines) == 1, lines
    assert PASSWORD not in output


def test_the_store_is_reported_with_the_other_problems(key_files, tmp_path):
    lines, output = serve(key_files, tmp_path, SECRET_KEY="short", SGID_CLIENT_ID="my-app-dev")
    assert len(lines) == 3, lines
    assert lines[0].startswith("configuration error: SECRET_KEY: in production")
    assert lines[1].startswith("configuration error: SGID_CLIENT_ID: ")
    assert PASSWORD not in output
