"""The generator's and the generated README's install commands, run as written.

Slow (they install from the package index): the default generation from a folder of one's own
and the command it prints next; a generation with no uv anywhere on PATH (venv + pip), then the
project's CI steps as ci.yml lists them, in a fresh clone; the README's first-time install
lines, with uv and with pip alone, in a fresh clone; validate=false and the commands it prints;
the root README's uvx line for systems whose pip refuses to install.

Run with: uv run pytest tests/test_install.py -m slow
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
QUICK_CHECK = "not browser and not scaleout and not waits"
# The generated README's install line for people without uv.
PIP_INSTALL = (
    "python3 -m venv .venv && .venv/bin/pip install --no-deps -r requirements-dev.txt -e ."
)
UVX_COOKIECUTTER = 'uvx --from "cookiecutter>=2.7" cookiecutter --no-input . --output-dir build'
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
INSTALL_TIMEOUT = 20 * 60

pytestmark = pytest.mark.slow


def missing(message: str) -> None:
    """Skip locally when a tool the test runs is missing; under CI, fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def clean_env(path: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without the template's virtualenv, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    if path is not None:
        env["PATH"] = path
    return {**env, **GIT_IDENTITY, **extra}


def sh(script: str, cwd: Path, env: dict, timeout: float = INSTALL_TIMEOUT):
    return subprocess.run(
        ["bash", "-ec", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def report(result: subprocess.CompletedProcess) -> str:
    return f"stdout:\n{result.stdout[-6000:]}\nstderr:\n{result.stderr[-4000:]}"


def path_without_uv(directory: Path) -> str:
    """The system's bin directories with uv and uvx left out: where one holds them, a folder of
    links to everything else in it stands in for it."""
    parts = []
    for system_bin in map(Path, ("/usr/local/bin", "/usr/bin", "/bin")):
        if not system_bin.is_dir():
            continue
        if not any((system_bin / name).exists() for name in ("uv", "uvx")):
            parts.append(str(system_bin))
            continue
        links = directory / system_bin.as_posix().strip("/").replace("/", "-")
        links.mkdir(parents=True)
        for entry in system_bin.iterdir():
            if entry.name not in {"uv", "uvx"}:
                (links / entry.name).symlink_to(entry)
        parts.append(str(links))
    path = os.pathsep.join(parts)
    assert shutil.which("uv", path=path) is None
    for tool in ("python3", "git", "bash"):
        if not shutil.which(tool, path=path):
            missing(f"{tool} is not in the system's bin directories")
    return path


def generate(template: Path, config: Path, where: Path, *answers: str, env: dict):
    """`cookiecutter --no-input <template> --output-dir build` typed in `where` (a shell sets
    PWD there, as cookiecutter's hooks see it)."""
    where.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "cookiecutter", str(template), "--no-input"]
    command += ["--output-dir", "build", "--config-file", str(config), *answers]
    return subprocess.run(
        command,
        cwd=where,
        env={**env, "PWD": str(where)},
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )


def fresh_clone(project: Path, into: Path, env: dict) -> Path:
    """`git init && git add . && git commit`, then a clone: what a teammate or CI starts from."""
    result = sh("git init -q && git add . && git commit -q -m start", project, env)
    assert result.returncode == 0, report(result)
    result = sh(f"git clone -q {project} {into}", project, env)
    assert result.returncode == 0, report(result)
    return into


def first_time_block(project: Path) -> list[str]:
    """The README's "First time, or on another machine" commands, line by line."""
    readme = (project / "README.md").read_text()
    block = re.search(r"First time, or on another machine:\n\n```bash\n(.*?)```", readme, re.S)
    assert block, "the README has no first-time block"
    return block.group(1).splitlines()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def generated(template_copy, cookiecutter_config, tmp_path_factory):
    """The default generation (uv on PATH, as most people have it), typed in a home folder."""
    if not shutil.which("uv"):
        missing("uv is not on PATH")
    home = tmp_path_factory.mktemp("home")
    started = time.monotonic()
    result = generate(template_copy, cookiecutter_config, home, env=clean_env())
    assert result.returncode == 0, report(result)
    print(f"generated with uv in {time.monotonic() - started:.1f} s")
    return home, result


def test_after_pass_the_generator_prints_the_command_that_runs_the_app(generated):
    home, result = generated
    assert "PASS: " in result.stdout, report(result)
    line = "cd build/sgid-app && .venv/bin/python -m sgid_app.dev"
    assert f"\n    {line}\n" in result.stdout, report(result)
    assert "open http://localhost:8000 " in result.stdout, report(result)
    # Typed where cookiecutter ran, it serves the app (on free ports: PORT and EMULATOR_PORT
    # move it from 8000 and 5156, which other things on this machine may hold).
    port = free_port()
    server = subprocess.Popen(
        ["bash", "-c", line],
        cwd=home,
        env=clean_env(PORT=str(port), EMULATOR_PORT=str(free_port())),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.3)
        assert page is not None, f"the dev command served nothing (exit {server.poll()})"
        assert "Log in with Singpass" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def repository(generated) -> Path:
    """The generated project, committed: `git init && git add . && git commit`."""
    project = generated[0] / "build" / "sgid-app"
    result = sh("git init -q && git add . && git commit -q -m start", project, clean_env())
    assert result.returncode == 0, report(result)
    return project


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_the_readme_first_time_lines_work_in_a_fresh_clone(repository, tmp_path, installer):
    clone = tmp_path / "clone"
    result = sh(f"git clone -q {repository} {clone}", tmp_path, clean_env())
    assert result.returncode == 0, report(result)
    lines = first_time_block(clone)
    assert lines[0].startswith("uv sync "), lines
    assert lines[1] == f"# {PIP_INSTALL}", lines
    if installer == "uv":
        env = clean_env()
    else:  # pip alone: no uv anywhere on PATH, the first line swapped for the commented one
        env = clean_env(path_without_uv(tmp_path / "bin"))
        lines = [PIP_INSTALL, *lines[1:]]
    started = time.monotonic()
    result = sh("\n".join(lines), clone, env)
    assert result.returncode == 0, report(result)
    print(f"{installer}: the README's first-time lines took {time.monotonic() - started:.1f} s")
    python = clone / ".venv" / "bin" / "python"
    result = sh(f"{python} -m pytest -q -m '{QUICK_CHECK}' tests/unit", clone, env)
    assert result.returncode == 0 and " passed" in result.stdout, report(result)


def test_without_uv_the_generator_locks_and_the_projects_ci_passes(
    template_copy, cookiecutter_config, tmp_path
):
    # No uv on PATH: the hook makes .venv with venv, pip installs the dev group's uv, that uv
    # writes uv.lock and requirements-dev.txt, and pip installs exactly that set.
    no_uv = path_without_uv(tmp_path / "bin")
    started = time.monotonic()
    result = generate(template_copy, cookiecutter_config, tmp_path, env=clean_env(no_uv))
    assert result.returncode == 0, report(result)
    print(f"generated with pip in {time.monotonic() - started:.1f} s")
    assert "with pip" in result.stdout and "PASS: " in result.stdout, report(result)
    assert "\n    cd build/sgid-app && .venv/bin/python -m sgid_app.dev\n" in result.stdout
    project = tmp_path / "build" / "sgid-app"
    assert (project / "uv.lock").is_file() and (project / "requirements-dev.txt").is_file()
    listed = sh(".venv/bin/python -m pip list --format=json", project, clean_env(no_uv))
    installed = {p["name"].lower(): p["version"] for p in json.loads(listed.stdout)}
    # Not the official SDK, nor what it brought: its CVE pins and pycryptodome.
    assert "sgid-client" not in installed and "pycryptodome" not in installed
    assert installed["jwcrypto"] != "1.4.2"

    # The project's CI, step by step as ci.yml lists them, in a fresh clone (what
    # actions/checkout gives), with the dev group's uv on PATH (what setup-uv gives).
    checkout = fresh_clone(project, tmp_path / "checkout", clean_env(no_uv))
    setup_uv = tmp_path / "setup-uv"
    setup_uv.mkdir()
    (setup_uv / "uv").symlink_to(project / ".venv" / "bin" / "uv")
    pre_commit_home = tmp_path / "pre-commit-home"  # empty: hooks install from PyPI
    workflow = yaml.safe_load((checkout / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step for step in workflow["jobs"]["test"]["steps"] if "run" in step]
    assert [step["name"] for step in steps] == ["Install", "Lint", "Test"]
    for step in steps:
        script = step["run"]
        if script.strip() == "uv run pytest":  # the quick check, to keep this test short
            script += f' -m "{QUICK_CHECK}"'
        env = clean_env(
            os.pathsep.join([str(setup_uv), no_uv]),
            PRE_COMMIT_HOME=str(pre_commit_home),
            **step.get("env", {}),
        )
        started = time.monotonic()
        result = sh(script, checkout, env)
        assert result.returncode == 0, f"CI step {step['name']}: {script}\n{report(result)}"
        print(f"CI step {step['name']} took {time.monotonic() - started:.1f} s")


def test_validate_false_prints_commands_that_install_and_run_it(
    template_copy, cookiecutter_config, tmp_path
):
    if not shutil.which("uv"):
        missing("uv is not on PATH")
    result = generate(
        template_copy, cookiecutter_config, tmp_path, "validate=false", env=clean_env()
    )
    assert result.returncode == 0, report(result)
    printed = re.search(
        r"emulator:\n((?:    .*\n)+)then open http://localhost:8000\.", result.stdout
    )
    assert printed, report(result)
    lines = [line.strip() for line in printed.group(1).splitlines()]
    assert lines[0] == "cd build/sgid-app"
    assert lines[-1] == ".venv/bin/python -m sgid_app.dev"
    project = tmp_path / "build" / "sgid-app"
    assert not (project / ".venv").exists() and not (project / "uv.lock").exists()
    # All but the last (the server, which runs until stopped; the test above runs it).
    result = sh("\n".join(lines[:-1]), tmp_path, clean_env())
    assert result.returncode == 0, report(result)
    assert (project / "uv.lock").is_file() and (project / "requirements-dev.txt").is_file()
    assert (project / ".dev-keys" / "sgid-private.pem").is_file()


def test_the_root_readmes_uvx_line_generates_a_project(
    template_copy, cookiecutter_config, tmp_path
):
    # For systems whose pip refuses to install outside a venv (Debian, Ubuntu).
    if not shutil.which("uvx"):
        missing("uvx is not on PATH")
    readme = (TEMPLATE_DIR / "README.md").read_text()
    assert f"\n{UVX_COOKIECUTTER}\n" in readme
    command = UVX_COOKIECUTTER.replace(" . ", f" {template_copy} ") + " validate=false"
    env = clean_env(PWD=str(tmp_path), COOKIECUTTER_CONFIG=str(cookiecutter_config))
    result = sh(command, tmp_path, env)
    assert result.returncode == 0, report(result)
    assert (tmp_path / "build" / "sgid-app" / "pyproject.toml").is_file()
