"""Real servers on loopback ports for the tests: the sgID emulator, the session store and the app.

The app runs under its production server (python -m {{ cookiecutter.package_name }}.serve), the
emulator as its own process, and tests talk to both over HTTP like a browser would.
"""

import contextlib
import json
import os
import random
import secrets
import signal
import socket
import string
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
# Small limits on talking to sgID, so the timeout tests are quick (production: 3 s / 10 s / 15 s),
# yet roomy for a login on a busy machine (about 20 ms when idle).
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
CALLBACK_DEADLINE = 1.5
# How often the app may refetch sgID's JWKS (production: once a minute), so that key-rotation
# tests need not wait long.
JWKS_REFRESH_COOLDOWN = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Settings of other instances of the app (INSTANCES below).
# Logins that expire within a second (so none completes: only for refusing a late one):
SHORT_TTL = {"LOGIN_TTL_SECONDS": "1"}
# Sessions that expire when idle for a second, and sgID's keys refetched every half second:
SHORT_LIVED = {"SESSION_IDLE_MINUTES": "0.015", "SGID_JWKS_REFRESH_COOLDOWN": "0.5"}
SHORT_ABSOLUTE = {"SESSION_MAX_HOURS": "0.0003"}  # 1.08 s
SGID_DOWN = {"SGID_HOSTNAME": f"http://127.0.0.1:{free_port()}"}  # nothing listens there
# Production mode, pointed at a name that never resolves: only pages that need no sgID work.
PRODUCTION = {
    "APP_ENV": "production",
    "SGID_HOSTNAME": "https://sgid.invalid",
    "SGID_REDIRECT_URI": "https://app.example/callback",
}
# Production behind one TLS-terminating proxy, whose X-Forwarded-* headers the app believes.
BEHIND_PROXY = {**PRODUCTION, "TRUSTED_PROXIES": "1"}
# Other instances of the app, one worker each, by the name of the fixture giving their URL.
INSTANCES = {
    "short_ttl_url": SHORT_TTL,
    "short_lived_url": SHORT_LIVED,
    "short_absolute_url": SHORT_ABSOLUTE,
    "sgid_down_url": SGID_DOWN,
    "production_url": PRODUCTION,
    "proxied_url": BEHIND_PROXY,
}


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


def spawn(command: list[str], **options) -> subprocess.Popen:
    """Start a server in a process group of its own, which stop() ends with its children."""
    return subprocess.Popen(command, start_new_session=True, **options)


def stop(*processes: subprocess.Popen) -> None:
    """End servers and everything they started, at once.

    The tests are done with them, and a graceful shutdown (most of a second for gunicorn's
    workers) would prove nothing here.
    """
    for process in processes:
        with contextlib.suppress(ProcessLookupError):  # ended already
            os.killpg(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait(timeout=10)


def personas() -> dict[str, dict]:
    raw = json.loads(files("sgid_emulator").joinpath("personas.json").read_text("utf-8"))
    return {p["id"]: p for p in raw}


# Personas the emulator has only in the tests, beside the built-in ones: names and addresses far
# longer than any real one, so a session cannot fit the cookie store's 4 kB cookie
# (test_session_size.py). "wordy" hardly compresses; "repetitive" shrinks to almost nothing.
WORDS = random.Random(0)  # noqa: S311 (made-up words, not secrets)
LARGE_VALUES = {
    "wordy": " ".join("".join(WORDS.choices(string.ascii_lowercase, k=7)) for _ in range(750)),
    "repetitive": "Blk 1 Tan Tock Seng Avenue " * 700,
}


def large_personas() -> list[dict]:
    base = personas()[DEFAULT_PERSONA]
    scopes = ("myinfo.name", "myinfo.registered_address")
    return [
        {
            **base,
            "id": pid,
            # A name of its own: the picker labels each persona by it (the browser tests pick
            # by label, and two DENISEs would be ambiguous).
            "name": f"TEST PERSONA {pid.upper()}",
            "summary": "A value too long for the cookie store (tests only)",
            "data": {**base["data"], **dict.fromkeys(scopes, value)},
        }
        for pid, value in LARGE_VALUES.items()
    ]


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
def extra_app_ports() -> dict[str, int]:
    return {name: free_port() for name in INSTANCES}


@pytest.fixture(scope="session")
def emulator(workdir, key_files, app_port, extra_app_ports):
    port = free_port()
    redirect_uris = []
    for p in [app_port, *extra_app_ports.values()]:
        redirect_uris += ["--redirect-uri", f"http://127.0.0.1:{p}/callback"]
    personas_file = workdir / "personas.json"
    personas_file.write_text(json.dumps([*personas().values(), *large_personas()]), "utf-8")
    process = spawn(
        [
            sys.executable,
            "-m",
            "sgid_emulator",
            "--port",
            str(port),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            "contract-secret",
            *redirect_uris,
            "--client-public-key",
            str(key_files[1]),
            "--personas",
            str(personas_file),
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
        "SGID_JWKS_REFRESH_COOLDOWN": str(JWKS_REFRESH_COOLDOWN),
        "SGID_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "SGID_READ_TIMEOUT": str(READ_TIMEOUT),
        "SGID_CALLBACK_DEADLINE": str(CALLBACK_DEADLINE),
        **store_env,
    }


def spawn_app(workdir: Path, env: dict[str, str], port: int, log_name: str, workers: str = "2"):
    """Start the app under its production server; its stdout and stderr go to workdir/log_name."""
    log = (workdir / log_name).open("w")
    return spawn(
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


class Instances:
    """The other instances of the app (INSTANCES), spawned on demand, several at once."""

    def __init__(self, workdir: Path, app_env: dict[str, str], ports: dict[str, int]):
        self.workdir, self.app_env, self.ports = workdir, app_env, ports
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}

    def spawn(self, *names: str) -> None:
        for name in set(names) - set(self.processes):
            port = self.ports[name]
            callback = {"SGID_REDIRECT_URI": f"http://127.0.0.1:{port}/callback"}
            env = {**self.app_env, **callback, **INSTANCES[name]}
            self.processes[name] = spawn_app(self.workdir, env, port, f"app-{port}.log", "1")

    def url(self, name: str) -> str:
        if name not in self.urls:
            self.spawn(name)
            process, port = self.processes[name], self.ports[name]
            self.urls[name] = wait_for_app(self.workdir, process, port, f"app-{port}.log")
        return self.urls[name]


def instances_needed(items: list[pytest.Item]) -> set[str]:
    """The INSTANCES these tests use, as fixtures or as parameters naming one."""
    needed = set()
    for item in items:
        params = item.callspec.params.values() if hasattr(item, "callspec") else []
        names = [*item.fixturenames, *(value for value in params if isinstance(value, str))]
        needed.update(name for name in names if name in INSTANCES)
    return needed


@pytest.fixture(scope="session")
def instances(workdir, app_env, extra_app_ports) -> Instances:
    """Logs to workdir/app-<port>.log; the callback URLs are registered with the emulator."""
    instances = Instances(workdir, app_env, extra_app_ports)
    yield instances
    stop(*instances.processes.values())


@pytest.fixture(scope="session")
def app_url(request, workdir, app_env, app_port, instances) -> str:
    # The instances this run's tests need start alongside the app: on two cores that saves
    # seconds over starting each when a test first needs it.
    instances.spawn(*instances_needed(request.session.items))
    process = spawn_app(workdir, app_env, app_port, "app.log")
    yield wait_for_app(workdir, process, app_port, "app.log")
    stop(process, *instances.processes.values())


@pytest.fixture(scope="session")
def app_log(workdir, app_url) -> Path:
    return workdir / "app.log"


def instance_fixture(name: str):
    """The session fixture `name` (a key of INSTANCES): that instance's base URL."""

    @pytest.fixture(scope="session", name=name)
    def url(instances) -> str:
        return instances.url(name)

    return url


# short_ttl_url, short_lived_url, ...: one fixture per instance, named in INSTANCES, where
# their settings are described.
for _name in INSTANCES:
    globals()[_name] = instance_fixture(_name)


@pytest.fixture
def log_of(workdir, app_url):
    """The lines the app at this base URL (app_url, or one of INSTANCES) has logged so far."""

    def lines(url: str) -> list[str]:
        name = "app.log" if url == app_url else f"app-{url.rpartition(':')[2]}.log"
        text = (workdir / name).read_text(errors="replace")
        return text[: text.rfind("\n") + 1].splitlines()  # not a line still being written

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
