"""The app instances of the contract suite: the main one's limits, and the other instances,
each with settings of its own, started on demand (conftest.py's instance_url gives their URLs)."""

import subprocess
from pathlib import Path

import pytest

from tests.support.servers import free_port, serve_app, stop, wait_for_app

# Small limits on talking to sgID, so the timeout tests are quick (production: 3 s / 10 s / 15 s),
# yet roomy for a login on a busy machine (about 20 ms when idle).
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
CALLBACK_DEADLINE = 1.5
# How often the app may refetch sgID's JWKS (production: once a minute), so that key-rotation
# tests need not wait long.
JWKS_REFRESH_COOLDOWN = 0.5
SGID_LIMITS = {
    "SGID_JWKS_REFRESH_COOLDOWN": str(JWKS_REFRESH_COOLDOWN),
    "SGID_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    "SGID_READ_TIMEOUT": str(READ_TIMEOUT),
    "SGID_CALLBACK_DEADLINE": str(CALLBACK_DEADLINE),
}

# Settings of the other instances (INSTANCES below).
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
# The other instances of the app, one worker each, by name: a test gets the base URL of one
# from the instance_url fixture, parametrized indirectly with that name.
INSTANCES = {
    "short_ttl": SHORT_TTL,
    "short_lived": SHORT_LIVED,
    "short_absolute": SHORT_ABSOLUTE,
    "sgid_down": SGID_DOWN,
    "production": PRODUCTION,
    "proxied": BEHIND_PROXY,
}


def log_of_port(workdir: Path, port: int) -> Path:
    return workdir / f"app-{port}.log"


class Instances:
    """The other instances of the app (INSTANCES), started on demand, several at once."""

    def __init__(self, workdir: Path, app_env: dict[str, str], ports: dict[str, int]):
        self.workdir, self.app_env, self.ports = workdir, app_env, ports
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}

    def start(self, *names: str) -> None:
        for name in set(names) - set(self.processes):
            port = self.ports[name]
            callback = {"SGID_REDIRECT_URI": f"http://127.0.0.1:{port}/callback"}
            env = {**self.app_env, **callback, **INSTANCES[name]}
            self.processes[name] = serve_app(env, port, log_of_port(self.workdir, port), 1)

    def url(self, name: str) -> str:
        if name not in self.urls:
            self.start(name)
            port = self.ports[name]
            log = log_of_port(self.workdir, port)
            self.urls[name] = wait_for_app(self.processes[name], port, log)
        return self.urls[name]


def instances_needed(items: list[pytest.Item]) -> set[str]:
    """The INSTANCES these tests use: the names their instance_url is parametrized with."""
    params = [item.callspec.params for item in items if hasattr(item, "callspec")]
    return {each["instance_url"] for each in params if "instance_url" in each}


def own_instance(log: Path, app_env: dict[str, str], **env: str | None):
    """Yield (url, process) of a one-worker app with app_env, minus the names given as None.

    Its SGID_REDIRECT_URI stays the main app's, the one the emulator has registered: a test
    takes the callback to this instance itself (Flow.callback_here).
    """
    merged = {**app_env, **env}
    port = free_port()
    process = serve_app({k: v for k, v in merged.items() if v is not None}, port, log, 1)
    try:
        yield wait_for_app(process, port, log), process
    finally:
        stop(process)
