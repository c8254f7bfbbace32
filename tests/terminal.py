"""A person's terminal, for the tests that walk the user's path (journeys, MockPass): their
shell's environment, commands run as typed, and servers in a process group of their own.
"""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

START_SECONDS = 60
# The machine's environment (its proxy and certificate settings included) without anything the
# app or MockPass reads, and without this test run's own virtualenv.
OWN_VARIABLES = re.compile(
    r"(APP_ENV|SECRET_KEY|SGID_\w+|DATABASE_URL|REDIS_URL|TEST_DATABASE|HOST|PORT|EMULATOR_PORT"
    r"|WEB_CONCURRENCY|TRUSTED_PROXIES|ALLOWED_HOSTS|SESSION_\w+|LOGIN_TTL_SECONDS"
    r"|MOCKPASS_\w+|SHOW_LOGIN_PAGE|SERVICE_PROVIDER_\w+|ENCRYPT_MYINFO"
    r"|VIRTUAL_ENV|PYTHONPATH|PYTHONHOME|UV_PROJECT_ENVIRONMENT|PYTEST_\w+)"
)
SHELL_ENV = {name: value for name, value in os.environ.items() if not OWN_VARIABLES.fullmatch(name)}
SHELL_ENV["PATH"] = os.pathsep.join(
    entry for entry in SHELL_ENV["PATH"].split(os.pathsep) if entry != str(Path(sys.prefix, "bin"))
)


def _generated_test_support():
    """The generated project's tests/support/servers.py, loaded from the template as it stands
    (its one substitution, the package name, sits in a string): one copy of free_port and of
    missing (skip locally, fail under CI) for the template's tests and the project's."""
    path = Path(__file__).parent.parent / "{{cookiecutter.project_slug}}/tests/support/servers.py"
    spec = importlib.util.spec_from_file_location("generated_test_servers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_servers = _generated_test_support()
missing = _servers.missing
free_port = _servers.free_port


def shell(command: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> str:
    """Run one command as a person types it; its output, or a failure that shows it."""
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env={**SHELL_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"`{command}` in {cwd}: exit {done.returncode}\n" + (
        done.stdout[-3000:] + done.stderr[-3000:]
    )
    return done.stdout + done.stderr


class Server:
    """A command that serves until stopped, in its own process group as in a terminal; its
    output goes to `log` (by default a file beside `cwd`)."""

    def __init__(self, command: str, cwd: Path, env: dict | None = None, log: Path | None = None):
        self.command = command
        self.log = log or cwd.parent / f"{cwd.name}-{os.urandom(3).hex()}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                ["bash", "-c", command],
                cwd=cwd,
                env={**SHELL_ENV, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_for(self, url: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"`{self.command}` stopped:\n{self.output()}"
            try:
                if requests.get(url, timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"`{self.command}` did not answer {url}:\n{self.output()}")

    def ctrl_c(self) -> None:
        """What Ctrl+C in a terminal does: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=20)
        deadline = time.monotonic() + 10
        while group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(self.process.pid), f"left running after Ctrl+C:\n{self.output()}"

    def stop(self) -> None:
        """SIGTERM to the group, as a process manager stops it; SIGKILL if it lingers."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if group_alive(self.process.pid):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies count as gone: only their parent's wait() is missing.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
