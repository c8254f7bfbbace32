"""The documented one command (python -m <package>.dev) serves the app and the emulator together,
moved off the default ports by its documented flags; a person can log in through the emulator's
persona picker and consent page; a busy port stops it with one line saying how to move it."""

import secrets
import signal
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.emulator import DEFAULT_PERSONA
from tests.support.http_client import Flow
from tests.support.servers import (
    PACKAGE,
    app_environment,
    free_port,
    refused_to_start,
    spawn,
    stop,
    wait_for_http,
)

# Whole server stacks, started and stopped for these tests; the quick check leaves them out.
pytestmark = pytest.mark.waits

DEV = [sys.executable, "-m", f"{PACKAGE}.dev"]


@pytest.fixture(scope="module")
def dev_env(key_files, store_env) -> dict[str, str]:
    """What .env holds: the default ports, which the tests move with the flags."""
    return app_environment(
        "http://localhost:5156",
        key_files[0],
        "http://localhost:8000/callback",
        # Values starting with a dash, which the command must not take for flags.
        SECRET_KEY="-starts-with-a-dash-" + "x" * 40,
        SGID_CLIENT_SECRET="-also-starts-with-a-dash",
        **store_env,
    )


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory, dev_env):
    app_port, sgid_port = free_port(), free_port()
    workdir = tmp_path_factory.mktemp("dev")
    log = workdir / "dev.log"
    command = [*DEV, "--port", str(app_port), "--emulator-port", str(sgid_port)]
    process = spawn(command, log, cwd=workdir, env=dev_env)
    app_url = f"http://localhost:{app_port}"
    wait_for_http(f"{app_url}/healthz", process, "the dev server")
    wait_for_http(f"http://localhost:{sgid_port}/v2/.well-known/jwks.json", process, "emulator")
    yield app_url, process, log
    stop(process)


def test_a_person_logs_in_through_the_picker(dev_server):
    app_url, _, _ = dev_server
    flow, visitor = Flow(app_url), requests.Session()
    callback_url = flow.pick_and_approve(visitor, flow.start(visitor), DEFAULT_PERSONA)
    assert callback_url.startswith(f"{app_url}/callback?")  # the moved port, end to end
    assert visitor.get(callback_url, allow_redirects=False).status_code == 303
    page = visitor.get(f"{app_url}/").text
    assert "Log out" in page


def test_each_request_is_logged_once(dev_server):
    app_url, _, log = dev_server
    path = f"/no-such-page-{secrets.token_hex(4)}"
    assert requests.get(f"{app_url}{path}", timeout=10).status_code == 404
    requests.get(f"{app_url}/healthz", timeout=10)  # the log line of the first one is written
    lines = [line for line in log.read_text().splitlines() if path in line]
    assert len(lines) == 1, lines  # the app's line, not also the development server's


def test_no_private_key_on_any_command_line(dev_server):
    """Any local user can read process command lines; the emulator only gets the public key."""
    _, process, _ = dev_server
    started = descendants(process.pid)
    assert len(started) >= 2, "the dev command starts the emulator and the app server"
    for pid in [process.pid, *started]:
        assert b"PRIVATE KEY" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_ctrl_c_stops_both_servers(tmp_path, dev_env):
    app_port, sgid_port = free_port(), free_port()
    command = [*DEV, "--port", str(app_port), "--emulator-port", str(sgid_port)]
    process = spawn(command, cwd=tmp_path, env=dev_env)
    try:
        wait_for_http(f"http://localhost:{app_port}/healthz", process, "the dev server")
        started = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        deadline = time.monotonic() + 5  # helpers such as multiprocessing's tracker end last
        while (running := [pid for pid in started if alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running, "left running"
    finally:
        stop(process)


@pytest.mark.parametrize(("flag", "what"), [("--port", "the app"), ("--emulator-port", "emulator")])
def test_a_busy_port_stops_the_command_with_one_line(tmp_path, dev_env, flag, what):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        ports = {"--port": str(free_port()), "--emulator-port": str(free_port()), flag: str(busy)}
        command = [*DEV, *(part for item in ports.items() for part in item)]
        lines, output = refused_to_start(command, dev_env, tmp_path, timeout=60)
    assert len(lines) == 1, output
    assert f"port {busy}" in lines[0] and what in lines[0] and f"dev {flag} " in lines[0]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # not a zombie
    except FileNotFoundError:
        return False


def descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [n for child in children for n in (int(child), *descendants(int(child)))]
