"""Every generated project is ready to deploy: its Dockerfile and CI workflow pass the linters
their authors would run, and its pre-commit hooks pass when run for real (slow: installs), for
every framework and session store."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
COMBINATIONS = [
    pytest.param((framework, store), id=f"{framework}-{store}")
    for framework in TEMPLATE["framework"]
    for store in TEMPLATE["session_store"]
]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def missing(message: str) -> None:
    """Skip locally when a tool the test runs is missing; under CI, fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module", params=COMBINATIONS)
def project(request, bake_with_hooks, tmp_path_factory) -> Path:
    framework, store = request.param
    return bake_with_hooks(
        tmp_path_factory.mktemp(f"deploy-{framework}-{store}"),
        framework=framework,
        session_store=store,
    )


def run(*command, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def committed_files(project: Path) -> list[str]:
    """The files a user would commit: everything except what .gitignore keeps out."""
    run("git", "init", "-q", cwd=project)
    listed = run("git", "ls-files", "--others", "--exclude-standard", cwd=project)
    return sorted(listed.stdout.split())


def test_dockerfile_passes_hadolint(project):
    result = run(str(BIN / "hadolint"), "Dockerfile", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_the_production_server_as_non_root(project):
    dockerfile = (project / "Dockerfile").read_text()
    package = project.name.replace("-", "_")
    assert f'CMD ["python", "-m", "{package}.serve"]' in dockerfile
    assert "\nUSER 10001\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    ignored = (project / ".dockerignore").read_text().splitlines()
    # The image gets the app package alone: the emulator beside it in src/ never ships.
    assert f"COPY src/{package} ./src/{package}\n" in dockerfile
    assert "COPY src ./src" not in dockerfile
    assert "*" in ignored and "!src/" in ignored  # tests, .env and keys stay out


def test_workflow_passes_actionlint(project):
    workflow = project / ".github" / "workflows" / "ci.yml"
    result = run(str(BIN / "actionlint"), str(workflow), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    assert "permissions:\n  contents: read" in text
    for line in text.splitlines():
        if "uses:" in line:
            ref = line.split("@", 1)[1].split()[0]
            assert len(ref) == 40 and int(ref, 16) >= 0, f"not pinned by SHA: {line.strip()}"
    # A redis project's tests start redis-server, so its CI installs it; the others do not.
    assert ("redis-server" in text) == ("REDIS_URL" in (project / ".env").read_text())


def dev_pins(project: Path) -> dict[str, str]:
    """The dev group's exact pins: {"ruff": "0.17.6", ...}."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dev = [r for r in pyproject["dependency-groups"]["dev"] if isinstance(r, str)]
    return dict(re.fullmatch(r"([\w-]+)==([\w.]+)", r).groups() for r in dev if "==" in r)


def test_each_tool_has_one_version_everywhere(project, load_hook):
    # The pre-commit hooks install from PyPI alone (local hooks, language python, exact pins):
    # no GitHub, and the same ruff and uv as the dev group, CI and the image.
    pins = dev_pins(project)
    assert {"ruff", "uv"} <= set(pins)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    for hook in hooks.values():
        assert hook["language"] == "python", hook["id"]
        for requirement in hook["additional_dependencies"]:
            name, version = requirement.split("==")
            assert version == pins.get(name, version), f"{hook['id']}: {requirement} vs {pins}"
    assert hooks["ruff-check"]["additional_dependencies"] == [f"ruff=={pins['ruff']}"]
    assert hooks["requirements-dev"]["additional_dependencies"] == [f"uv=={pins['uv']}"]
    # The hook that keeps requirements-dev.txt in step runs what the generator ran to write it.
    post_gen = load_hook("post_gen_project")
    assert hooks["requirements-dev"]["entry"] == shlex.join(post_gen.EXPORT_REQUIREMENTS)
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()
    assert f'version: "{pins["uv"]}"' in workflow
    assert f"ghcr.io/astral-sh/uv:{pins['uv']} " in (project / "Dockerfile").read_text()
    result = run(str(BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_secrets_stay_out_of_git(project):
    files = committed_files(project)
    assert ".env" not in files and not any(f.startswith(".dev-keys/") for f in files)
    assert "uv.lock" not in (project / ".gitignore").read_text()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """An empty pre-commit cache: every hook environment is built from PyPI here."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
def test_pre_commit_passes_in_a_fresh_project(project, load_hook, pre_commit_home):
    # As the generator leaves it (uv.lock, requirements-dev.txt, .venv with the dev group),
    # then `git init && git add . && git commit` and the venv's pre-commit, for real.
    if not shutil.which("uv"):
        missing("uv is not on PATH; the generator installs the project with it")
    post_gen = load_hook("post_gen_project")
    post_gen.install(project, post_gen.install_commands(project, shutil.which("uv")))
    env = {**post_gen.subprocess_env(), **GIT_IDENTITY, "PRE_COMMIT_HOME": str(pre_commit_home)}

    def git_and_pre_commit(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, check=False
        )

    for command in ("git init -q", "git add .", "git commit -q -m start"):
        assert git_and_pre_commit(*command.split()).returncode == 0, command
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    result = git_and_pre_commit(pre_commit, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert git_and_pre_commit("git", "status", "--porcelain").stdout == ""  # nothing rewritten
    # A requirements-dev.txt out of step with uv.lock fails the run and is put right.
    exported = (project / "requirements-dev.txt").read_text()
    (project / "requirements-dev.txt").write_text(exported.replace("pytest==", "pytest<="))
    result = git_and_pre_commit(pre_commit, "run", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"requirements-dev\.txt matches uv\.lock\.+Failed", result.stdout)
    assert (project / "requirements-dev.txt").read_text() == exported


def test_answers_are_kept_for_updates(project):
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]  # replay
    assert answers["project_slug"] == project.name
    assert set(answers) >= {"framework", "session_store", "scopes", "package_name"}
