"""The user's path, walked as users walk it: generate, then the generated README's commands as
written, from the project folder, from a fresh clone, and the production server from an empty
folder as the container runs it. Nothing here sets the app's environment beyond what the
README says; ports move only by the dev command's documented flags.

Every framework with the default store, and each other store once. The commands come from the
README's code blocks, so a README edit that breaks one fails here; the few that cannot run on
a test machine are listed in readme_commands.py with the reason.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import readme_commands
from person import Person

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
IGNORED_WHEN_COPYING = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "build"
)
DEFAULTS = (TEMPLATE["framework"][0], TEMPLATE["session_store"][0])
JOURNEYS = [
    pytest.param((framework, store), id=f"{framework}-{store}")
    for framework, store in [
        *((framework, DEFAULTS[1]) for framework in TEMPLATE["framework"]),
        ("fastapi", "redis"),
        ("django", "cookie"),
    ]
]
# A person's shell: the machine's environment (its proxy and certificate settings included),
# with nothing the app reads and nothing of this test run's own virtualenv.
APP_VARIABLES = re.compile(
    r"(APP_ENV|SECRET_KEY|SGID_\w+|DATABASE_URL|REDIS_URL|TEST_DATABASE|HOST|PORT|EMULATOR_PORT"
    r"|WEB_CONCURRENCY|TRUSTED_PROXIES|ALLOWED_HOSTS|SESSION_\w+|LOGIN_TTL_SECONDS"
    r"|VIRTUAL_ENV|PYTHONPATH|PYTHONHOME|UV_PROJECT_ENVIRONMENT|PYTEST_\w+)"
)
SHELL_ENV = {name: value for name, value in os.environ.items() if not APP_VARIABLES.fullmatch(name)}
SHELL_ENV["PATH"] = os.pathsep.join(
    entry for entry in SHELL_ENV["PATH"].split(os.pathsep) if entry != str(Path(sys.prefix, "bin"))
)
# git commit needs an identity, which a person's machine has in ~/.gitconfig and CI does not.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Journey",
    "GIT_AUTHOR_EMAIL": "journey@example.gov.sg",
    "GIT_COMMITTER_NAME": "Journey",
    "GIT_COMMITTER_EMAIL": "journey@example.gov.sg",
}
START_SECONDS = 60
PERSONA = ("wei", "LI WEI")  # a non-ASCII name: 李伟 LI WEI
PUBLIC_CALLBACK = "https://app.example.gov.sg/callback"

pytestmark = [pytest.mark.slow, pytest.mark.journey]


def missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shell(command: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> str:
    """Run one README command as a person types it; its output, or a failure that shows it."""
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
    """A README command that serves until stopped, in its own process group as in a terminal."""

    def __init__(self, command: str, cwd: Path, env: dict | None = None):
        self.log = cwd.parent / f"{cwd.name}-{secrets.token_hex(3)}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                ["bash", "-c", command],
                cwd=cwd,
                env={**SHELL_ENV, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.command = command

    def wait_for(self, url: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"`{self.command}` stopped:\n{self.output()}"
            try:
                with socket.create_connection(url_address(url), timeout=1):
                    pass
                import requests

                if requests.get(url, timeout=5).status_code < 500:
                    return
            except OSError:
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

    def kill(self) -> None:
        if group_alive(self.process.pid):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


def url_address(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname, parts.port or 80


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


# --- the journeys -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url():
    """A Redis for the redis store, as the README says: start one, or set REDIS_URL."""
    program = shutil.which("redis-server")
    if program is None:
        missing("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    yield f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def user_python(tmp_path_factory) -> dict[str, str]:
    """A person's Python: a virtualenv first on PATH, where the README's pip install goes."""
    venv = tmp_path_factory.mktemp("user") / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    return {"PATH": f"{venv / 'bin'}{os.pathsep}{SHELL_ENV['PATH']}"}


@pytest.fixture(scope="module", params=JOURNEYS)
def project(request, tmp_path_factory, user_python):
    """A project generated by the root README's command, from a clone of the template: the
    defaults exactly as written (validated by the hook), the others with their answers added
    as its scripted use shows, and validate=false (their first-time steps install them)."""
    framework, store = request.param
    template = tmp_path_factory.mktemp("template") / "sgid-template"
    shutil.copytree(TEMPLATE_DIR, template, ignore=IGNORED_WHEN_COPYING)
    command = readme_commands.generate_command(TEMPLATE_DIR / "README.md")
    if (framework, store) != DEFAULTS:
        command += f" framework={framework} session_store={store} validate=false"
    output = shell(command, cwd=template, env=user_python, timeout=900)
    if (framework, store) == DEFAULTS:
        assert "PASS: " in output, output
    return template / "build" / "sgid-app", framework, store


@pytest.fixture(scope="module")
def readme(project) -> readme_commands.Readme:
    directory, _, _ = project
    return readme_commands.Readme((directory / "README.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def installed(project, readme, request) -> Path:
    """The project after the README's first-time steps, run as written in its folder."""
    directory, _, _ = project
    first_time_steps(readme, directory, store_env(project, request))
    return directory


def store_env(project, request) -> dict[str, str]:
    _, _, store = project
    return {"REDIS_URL": request.getfixturevalue("redis_url")} if store == "redis" else {}


def first_time_steps(readme, folder: Path, env: dict) -> None:
    for command in readme.first_time_steps():
        shell(command, cwd=folder, env=env)


def log_in_and_out(app_url: str) -> None:
    """Home, the login button, the emulator's picker and consent, the profile, log out."""
    name_id, name = PERSONA
    person = Person(app_url + "/")
    person.click_link("Log in with Singpass")
    assert "Choose who logs in" in person.text, person.text[:2000]
    person.press("Continue", persona=name_id)
    person.press("Approve")
    assert person.page.url.startswith(app_url), person.page.url  # back in the app
    assert name in person.text and "Log out" in person.text, person.text[:3000]
    person.press("Log out")
    assert "You have logged out" in person.text, person.text[:2000]
    assert "Log out" not in person.text


def test_every_readme_command_is_run_or_listed(readme):
    """Each command in the README is one the journeys run, or is listed with the reason."""
    unknown = [command for command in readme.commands() if readme_commands.how(command) is None]
    assert not unknown, f"README commands neither run by a test nor listed: {unknown}"


def test_dev_command_log_in_and_out_then_ctrl_c(project, installed, readme, request):
    directory, env = installed, store_env(project, request)
    if project[1:] == DEFAULTS:
        # Exactly as written: the default ports, as a person's first run uses them.
        app_url, command = "http://localhost:8000", readme.dev_command()
    else:
        port, emulator_port = free_port(), free_port()
        app_url = f"http://localhost:{port}"
        command = readme.dev_command(port=port, emulator_port=emulator_port)
    server = Server(command, directory, env)
    try:
        server.wait_for(f"{app_url}/")
        log_in_and_out(app_url)
        server.ctrl_c()
    finally:
        server.kill()
    requests_logged = [line for line in server.output().splitlines() if " GET /callback " in line]
    assert len(requests_logged) == 1, server.output()  # one line per request


def test_production_server_from_an_empty_folder(project, installed, readme, request, tmp_path):
    """The container's way: WORKDIR empty, the venv on PATH, the README's production settings."""
    directory = installed
    shell(readme.command_starting("keys register"), cwd=directory)
    port = free_port()
    env = {
        **store_env(project, request),
        "PATH": f"{directory / '.venv' / 'bin'}:{SHELL_ENV['PATH']}",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_CLIENT_ID": "journey-client",
        "SGID_CLIENT_SECRET": secrets.token_urlsafe(24),
        "SGID_PRIVATE_KEY_FILE": str(directory / "sgid-keys" / "sgid-private.pem"),
        "SGID_REDIRECT_URI": PUBLIC_CALLBACK,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    shell(readme.command_starting("uv lock"), cwd=directory)  # the image's lock: up to date
    empty = tmp_path / "workdir"
    empty.mkdir()
    # Django's release-step commands (deployment checks, migrations, clearing sessions), as the
    # README shows them, where production runs them: beside the server, with its settings.
    for command in readme.commands():
        if re.match(r"\.venv/bin/python -m \w+\.manage ", command):
            shell(command.removeprefix(".venv/bin/"), cwd=empty, env=env)
    # The image's CMD, run as the README's command: python -m <package>.serve
    command = readme.serve_command().removeprefix(".venv/bin/")
    server = Server(command, empty, env)
    try:
        server.wait_for(f"http://127.0.0.1:{port}/healthz")
        import requests

        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
    finally:
        server.kill()


def test_a_fresh_clone_runs(project, readme, request, tmp_path):
    """git init, add, commit as the README says; clone; first-time steps; dev; log in."""
    directory, _, _ = project
    env = store_env(project, request)
    if not (directory / ".git").exists():
        shell(readme.command_starting("git init"), cwd=directory, env=GIT_IDENTITY)
    clone = tmp_path / "clone"
    shell(f"git clone -q {directory} {clone}", cwd=tmp_path)
    assert not (clone / ".env").exists() and not (clone / ".venv").exists()
    first_time_steps(readme, clone, env)
    port, emulator_port = free_port(), free_port()
    server = Server(readme.dev_command(port=port, emulator_port=emulator_port), clone, env)
    try:
        server.wait_for(f"http://localhost:{port}/")
        log_in_and_out(f"http://localhost:{port}")
    finally:
        server.kill()
