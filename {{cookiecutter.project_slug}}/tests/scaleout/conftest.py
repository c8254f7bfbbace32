"""Several instances of the app on one shared session store, as behind a load balancer.

Each test module gets its own store server (Redis, or PostgreSQL for the database store), its
own emulator and its own app instances, so tests may stop the store without disturbing the
rest of the suite. The instances share SECRET_KEY and the public callback URL; nothing listens
on that URL: the tests play the load balancer and send each request to the instance they choose.
"""

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE

from tests.browser import Flow
from tests.conftest import (
    CLIENT_ID,
    DEFAULT_PERSONA,
    Emulator,
    free_port,
    spawn,
    spawn_app,
    stop,
    wait_for_app,
    wait_for_http,
)
from tests.stores import PostgresServer, RedisServer

PUBLIC_PORT = free_port()  # the load balancer's port in the callback URL; nothing listens there
PUBLIC_CALLBACK = f"http://127.0.0.1:{PUBLIC_PORT}/callback"


def scaleout_store():
    """The shared store of a real deployment: Redis, or PostgreSQL (not SQLite) for database."""
    if SESSION_STORE == "redis":
        return RedisServer()
    if SESSION_STORE == "database":
        return PostgresServer()
    return None  # the cookie store: nothing shared but SECRET_KEY


@pytest.fixture(scope="module")
def store():
    server = scaleout_store()
    if server is not None:
        server.start()
    yield server
    if server is not None:
        server.stop()
        if isinstance(server, PostgresServer):
            server.remove()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, key_files):
    workdir = tmp_path_factory.mktemp("scaleout-emulator")
    port = free_port()
    process = spawn(
        [sys.executable, "-m", "sgid_emulator", "--port", str(port)]
        + ["--client-id", CLIENT_ID, "--client-secret", "contract-secret"]
        + ["--redirect-uri", PUBLIC_CALLBACK, "--client-public-key", str(key_files[1])]
        + ["--auto-approve", DEFAULT_PERSONA],
        cwd=workdir,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base_url}/v2/.well-known/openid-configuration", process, "the emulator")
    yield Emulator(base_url)
    stop(process)


@dataclass
class Cluster:
    """App instances sharing one store, one SECRET_KEY and one public callback URL."""

    workdir: Path
    env: dict[str, str]
    emulator: Emulator
    store: object
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, count: int, workers: str = "2", **overrides: str) -> list[str]:
        spawned = []
        for _ in range(count):
            port = free_port()
            log = f"app-{port}.log"
            env = {**self.env, **overrides}
            process = spawn_app(self.workdir, env, port, log, workers=workers)
            self.processes.append(process)
            spawned.append((process, port, log))
        return [wait_for_app(self.workdir, p, port, log) for p, port, log in spawned]

    def stop_all(self) -> None:
        stop(*self.processes)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, key_files, emulator, store):
    workdir = tmp_path_factory.mktemp("scaleout")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_HOSTNAME": emulator.base_url,
        "SGID_CLIENT_ID": CLIENT_ID,
        "SGID_CLIENT_SECRET": "contract-secret",
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        "SGID_REDIRECT_URI": PUBLIC_CALLBACK,
        "SGID_SCOPES": DEFAULT_SCOPES,
        # sgID's timeouts are production's: these tests load the machine, and time nothing of
        # sgID's but test_sgid_outage.py, which sets its own.
        # Abandoned logins expire within seconds, so the store's size is seen to stay bounded.
        "LOGIN_TTL_SECONDS": "5",
        **(store.env if store is not None else {}),
    }
    cluster = Cluster(workdir, env, emulator, store)
    yield cluster
    cluster.stop_all()


def on(instance_url: str, public_url: str) -> str:
    """The public URL, sent to one instance instead (what a load balancer does)."""
    return instance_url + public_url.split(f"127.0.0.1:{PUBLIC_PORT}", 1)[1]


def log_in_across(browser, start_on: str, finish_on: str, persona: str | None = None):
    """Start a login on one instance and let the callback reach another; the callback response."""
    flow = Flow(start_on)
    callback = flow.authorize(browser, flow.start(browser), persona)
    assert callback.startswith(PUBLIC_CALLBACK), callback
    return browser.get(on(finish_on, callback), allow_redirects=False, timeout=30)
