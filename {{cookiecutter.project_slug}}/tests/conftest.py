"""Real servers on loopback ports for the tests: the sgID emulator, the session store and the app.

The app runs under its production server (python -m {{ cookiecutter.package_name }}.serve), the
emulator as its own process, and tests talk to both over HTTP like a browser would.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE
from {{ cookiecutter.package_name }}.keys import write_key_pair

from tests.browser import Flow
from tests.stores import PostgresServer, RedisServer

PACKAGE = "{{ cookiecutter.package_name }}"
CLIENT_ID = "contract-tests"
DEFAULT_PERSONA = "denise"
START_TIMEOUT = 20
# Small limits on talking to sgID, so the timeout tests are quick (production: 3 s / 10 s / 15 s).
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
CALLBACK_DEADLINE = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Other instances of the app, with some settings changed (see app_with), one worker each.
# Logins and sessions that expire within seconds:
SHORT_LIVED = {
    "LOGIN_TTL_SECONDS": "2",
    "SESSION_IDLE_MINUTES": "0.02",  # 1.2 s
    "SGID_JWKS_REFRESH_COOLDOWN": "0.5",
}
SHORT_ABSOLUTE = {"SESSION_MAX_HOURS": "0.0004"}  # 1.44 s
SGID_DOWN = {"SGID_HOSTNAME": f"http://127.0.0.1:{free_port()}"}  # nothing listens there
# Production mode, pointed at a name that never resolves: only pages that need no sgID work.
PRODUCTION = {
    "APP_ENV": "production",
    "SGID_HOSTNAME": "https://sgid.invalid",
    "SGID_REDIRECT_URI": "https://app.example/callback",
}
# Production behind one TLS-terminating proxy, whose X-Forwarded-* headers the app believes.
BEHIND_PROXY = {**PRODUCTION, "TRUSTED_PROXIES": "1"}
INSTANCES = [SHORT_LIVED, SHORT_ABSOLUTE, SGID_DOWN, PRODUCTION, BEHIND_PROXY]


def wait_for_http(url: str, process: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see its output above")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer at {url} within {START_TIMEOUT} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def personas() -> dict[str, dict]:
    raw = json.loads(files(f"{PACKAGE}.sgid.emulator").joinpath("personas.json").read_text("utf-8"))
    return {p["id"]: p for p in raw}


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("contract")


@pytest.fixture(scope="session")
def key_files(workdir) -> tuple[Path, Path]:
    return write_key_pair(workdir / "keys")


class Emulator:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(
            method, f"{self.base_url}/_emulator/{path}", json=body, timeout=5
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    def faults(self, *names: str, hang_seconds: float | None = None) -> None:
        body = {"faults": list(names)}
        if hang_seconds is not None:
            body["hang_seconds"] = hang_seconds
        self.admin("PUT", "faults", body)

    def counts(self) -> dict[str, int]:
        return self.admin("GET", "state")["counts"]

    def rotate_key(self, keep_old: bool) -> None:
        self.admin("POST", "rotate-key", {"keep_old": keep_old})


@pytest.fixture(scope="session")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def extra_app_ports() -> list[int]:
    return [free_port() for _ in INSTANCES]


@pytest.fixture(scope="session")
def emulator(workdir, key_files, app_port, extra_app_ports):
    port = free_port()
    redirect_uris = []
    for p in [app_port, *extra_app_ports]:
        redirect_uris += ["--redirect-uri", f"http://127.0.0.1:{p}/callback"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            f"{PACKAGE}.sgid.emulator",
            "--port",
            str(port),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            "contract-secret",
            *redirect_uris,
            "--client-public-key",
            str(key_files[1]),
            "--auto-approve",
            DEFAULT_PERSONA,
        ],
        cwd=workdir,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base_url}/v2/.well-known/openid-configuration", process, "the emulator")
    yield Emulator(base_url)
    stop(process)


@pytest.fixture(autouse=True)
def _reset_emulator(request):
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").admin("POST", "reset")


def store_server():
    """A real server for the session store, not yet started; None for SQLite and the cookie.

    The database store uses SQLite unless TEST_DATABASE=postgresql (a throwaway PostgreSQL
    cluster; the template's CI runs both).
    """
    if SESSION_STORE == "redis":
        return RedisServer()
    if SESSION_STORE == "database" and os.environ.get("TEST_DATABASE") == "postgresql":
        return PostgresServer()
    return None


@pytest.fixture(scope="session")
def store_env(workdir) -> dict[str, str]:
    """Environment variables pointing the app at a fresh session store."""
    server = store_server()
    if server is None:
        sqlite = {"DATABASE_URL": f"sqlite:///{workdir / 'sessions.sqlite3'}"}
        yield sqlite if SESSION_STORE == "database" else {}
        return
    server.start()
    yield server.env
    server.stop()
    if isinstance(server, PostgresServer):
        server.remove()


@pytest.fixture(scope="session")
def app_env(emulator, key_files, app_port, store_env) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_HOSTNAME": emulator.base_url,
        "SGID_CLIENT_ID": CLIENT_ID,
        "SGID_CLIENT_SECRET": "contract-secret",
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        "SGID_REDIRECT_URI": f"http://127.0.0.1:{app_port}/callback",
        "SGID_SCOPES": DEFAULT_SCOPES,
        # One JWKS refetch per second at most, so key-rotation tests need not wait a minute.
        "SGID_JWKS_REFRESH_COOLDOWN": "1",
        "SGID_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "SGID_READ_TIMEOUT": str(READ_TIMEOUT),
        "SGID_CALLBACK_DEADLINE": str(CALLBACK_DEADLINE),
        **store_env,
    }


def spawn_app(workdir: Path, env: dict[str, str], port: int, log_name: str, workers: str = "2"):
    """Start the app under its production server; its stdout and stderr go to workdir/log_name."""
    log = (workdir / log_name).open("w")
    return subprocess.Popen(
        [sys.executable, "-m", f"{PACKAGE}.serve"],
        env={**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": workers},
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_app(workdir: Path, process: subprocess.Popen, port: int, log_name: str) -> str:
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/healthz", process, "the app")
    except RuntimeError:
        print((workdir / log_name).read_text())
        raise
    return url


@pytest.fixture(scope="session")
def app_url(workdir, app_env, app_port) -> str:
    process = spawn_app(workdir, app_env, app_port, "app.log")
    yield wait_for_app(workdir, process, app_port, "app.log")
    stop(process)


@pytest.fixture(scope="session")
def app_log(workdir, app_url) -> Path:
    return workdir / "app.log"


@pytest.fixture(scope="session")
def app_with(workdir, app_env, extra_app_ports):
    """The base URL of an instance of the app with some settings changed (one of INSTANCES).

    All INSTANCES start together on first use, which saves seconds. Their callback URLs are
    registered with the emulator; each logs to workdir/app-<port>.log.
    """
    spawned = {}
    for overrides, port in zip(INSTANCES, extra_app_ports, strict=True):
        env = {**app_env, "SGID_REDIRECT_URI": f"http://127.0.0.1:{port}/callback", **overrides}
        process = spawn_app(workdir, env, port, f"app-{port}.log", workers="1")
        spawned[tuple(sorted(overrides.items()))] = (process, port)
    ready: dict[tuple, str] = {}

    def start(**overrides: str) -> str:
        key = tuple(sorted(overrides.items()))
        assert key in spawned, "add these settings to INSTANCES in conftest.py"
        if key not in ready:
            process, port = spawned[key]
            ready[key] = wait_for_app(workdir, process, port, f"app-{port}.log")
        return ready[key]

    yield start
    for process, _ in spawned.values():
        process.terminate()
    for process, _ in spawned.values():
        stop(process)


@pytest.fixture
def log_of(workdir, app_url):
    """The lines the app at this base URL (app_url, or one from app_with) has logged so far."""

    def lines(url: str) -> list[str]:
        name = "app.log" if url == app_url else f"app-{url.rpartition(':')[2]}.log"
        return (workdir / name).read_text(errors="replace").splitlines()

    return lines


@pytest.fixture
def all_app_logs(workdir) -> list[Path]:
    """Every log written by an app process in this session so far."""
    return [workdir / "app.log", *sorted(workdir.glob("app-*.log"))]


@pytest.fixture
def flow(app_url) -> Flow:
    return Flow(app_url)


@pytest.fixture
def browser() -> requests.Session:
    session = requests.Session()
    yield session
    session.close()
