"""Processes the tests start, on free loopback ports, and the app under its production server.

The app's environment for a test server is built here and nowhere else (app_environment).
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PACKAGE = "{{ cookiecutter.package_name }}"
START_TIMEOUT = 20
# The client the tests register with the emulator, which the app's environment names.
CLIENT_ID = "contract-tests"
CLIENT_SECRET = "contract-secret"


def missing(message: str) -> None:
    """Something the tests need is not installed: fail under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    url: str, process: subprocess.Popen, name: str, timeout: float = START_TIMEOUT
) -> None:
    """Return once anything answers HTTP at url; fail if process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see its output")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout} s")


def spawn(command: list[str], log: Path | None = None, **options) -> subprocess.Popen:
    """Start a server in a process group of its own, which stop() ends with its children.

    With `log`, its stdout and stderr go to that file.
    """
    if log is None:
        return subprocess.Popen(command, start_new_session=True, **options)
    with log.open("w") as output:
        return subprocess.Popen(
            command, start_new_session=True, stdout=output, stderr=subprocess.STDOUT, **options
        )


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


def app_environment(
    sgid_url: str, private_key_file: Path, redirect_uri: str, **settings: str
) -> dict[str, str]:
    """The environment of an app under test: development mode, a fresh SECRET_KEY, the client
    registered with the emulator at sgid_url; `settings` (store URL, limits...) add or override.
    """
    return {
        "PATH": os.environ.get("PATH", ""),
        "APP_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_HOSTNAME": sgid_url,
        "SGID_CLIENT_ID": CLIENT_ID,
        "SGID_CLIENT_SECRET": CLIENT_SECRET,
        "SGID_PRIVATE_KEY_FILE": str(private_key_file),
        "SGID_REDIRECT_URI": redirect_uri,
        **settings,
    }


def serving(env: dict[str, str], port: int, workers: int = 2) -> dict[str, str]:
    """env, plus where the production server listens and how many workers it starts."""
    return {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}


def serve_app(
    env: dict[str, str],
    port: int,
    log: Path,
    workers: int = 2,
    python: str = sys.executable,
) -> subprocess.Popen:
    """Start the app under its production server (python -m <package>.serve); output to log.

    The working directory is the log's, so nothing is written into the project.
    """
    command = [python, "-m", f"{PACKAGE}.serve"]
    return spawn(command, log, env=serving(env, port, workers), cwd=log.parent)


def wait_for_app(process: subprocess.Popen, port: int, log: Path) -> str:
    """The app's base URL once it answers /healthz; its log is printed if it never does."""
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/healthz", process, "the app")
    except RuntimeError:
        print(log.read_text(errors="replace"))
        raise
    return url


def refused_to_start(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float = 30
) -> tuple[list[str], str]:
    """Run a command of the project that must refuse to start: it exits with status 2.

    Its stderr as lines, and all it wrote (stderr then stdout), for the caller's assertions.
    """
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stderr + result.stdout
    assert result.returncode == 2, output
    return result.stderr.strip().splitlines(), output
