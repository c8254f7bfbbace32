"""Updating a generated project from a newer template, as its README says: the kept answers
replay with cookiecutter, and cruft creates, links, checks, diffs and updates a project.

Every command here is the real CLI (cookiecutter, cruft, git) run in a subprocess, against a
git repository made from this template; the generated README's commands are read from the
README itself and run as written (only `<template>` is replaced by the repository's path).
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "bench"
)
# Answers that differ from the defaults, so a link or replay that lost them would show.
ANSWERS = {
    "project_name": 'Ærø\'s "Quoted" App',
    "framework": "fastapi",
    "session_store": "redis",
    "scopes": "openid myinfo.name myinfo.email",
    "validate": False,
}
USER_LINE = "<p>Added by the project's owner.</p>"
TEMPLATE_HEADING = "## Where things live (a newer template)"


def missing(message: str) -> None:
    """Skip locally when a tool the test runs is missing; under CI, fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def env(tmp_path) -> dict:
    """A home of its own (no replay files or git config of the person running the tests)."""
    if shutil.which("git") is None:
        missing("git is not installed")
    if not (BIN / "cruft").exists():
        missing("cruft is not installed: uv sync (it is in the dev group)")
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "PATH": os.pathsep.join([str(BIN), os.environ["PATH"]]),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def run(*command: str, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def head(repo: Path, env: dict) -> str:
    return run("git", "rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()


@pytest.fixture
def template_repo(tmp_path, env) -> Path:
    """This template as a git repository with one commit on main, as a clone of it would be."""
    repo = tmp_path / "sgid-template"
    shutil.copytree(TEMPLATE_DIR, repo, ignore=IGNORED)
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=repo, env=env)
    run("git", "add", "--all", cwd=repo, env=env)
    run("git", "commit", "--quiet", "--message", "Template", cwd=repo, env=env)
    return repo


def commit_all(repo: Path, message: str, env: dict) -> None:
    run("git", "add", "--all", cwd=repo, env=env)
    run("git", "commit", "--quiet", "--message", message, cwd=repo, env=env)


def cookiecutter_bake(template: Path, output_dir: Path, env: dict) -> Path:
    answers = [
        f"{key}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in ANSWERS.items()
    ]
    command = [str(BIN / "cookiecutter"), str(template), "--no-input", "--output-dir"]
    run(*command, str(output_dir), *answers, cwd=output_dir.parent, env=env)
    [project] = output_dir.iterdir()
    return project


def readme_commands(project: Path, template: Path) -> list[str]:
    """The commands of the README's "Updating from the template" section, in order."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Updating from the template\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    return [line.replace("<template>", str(template)) for line in lines]


def readme_command(project: Path, template: Path, starts_with: str) -> str:
    [command] = [c for c in readme_commands(project, template) if c.startswith(starts_with)]
    return command


def shell(command: str, project: Path, env: dict, check: bool = True):
    return run("bash", "-c", command, cwd=project, env=env, check=check)


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(directory).parts
    }


def kept_answers(project: Path) -> dict:
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))


def cruft_state(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))


# --- the kept answers -------------------------------------------------------------------------


def test_the_kept_answers_record_the_template_and_replay_to_the_same_project(
    tmp_path, template_repo, env
):
    project = cookiecutter_bake(template_repo, tmp_path / "out", env)
    kept = kept_answers(project)
    assert kept["_template"] == {
        "source": str(template_repo),
        "version": TEMPLATE["_template_version"],
        "commit": head(template_repo, env),
    }
    answers = kept["cookiecutter"]
    assert answers == {
        **ANSWERS,
        "project_slug": "aero-s-quoted-app",
        "package_name": "aero_s_quoted_app",
    }
    assert list(answers) == [key for key in TEMPLATE if not key.startswith("_")]

    # As the README says: replay into a folder beside the project. Nothing is asked.
    replay = readme_command(project, template_repo, "cookiecutter --replay-file")
    result = shell(f"{replay} </dev/null", project, env)
    compare = project.parent / "compare" / project.name
    # The same project: every file but .env, whose secrets are made afresh for each copy.
    original, again = tree(project), tree(compare)
    assert original.keys() == again.keys(), result.stderr
    assert [name for name in original if original[name] != again[name]] == [".env"]


def test_the_template_version_is_the_template_repositorys():
    pyproject = (TEMPLATE_DIR / "pyproject.toml").read_text(encoding="utf-8")
    [version] = re.findall(r'^version = "(.+)"$', pyproject, flags=re.MULTILINE)
    assert TEMPLATE["_template_version"] == version


def test_without_git_the_kept_answers_have_no_commit(tmp_path, env):
    # A template folder that is not a git clone (a zip, a copy): nothing to record.
    template = tmp_path / "sgid-template"
    shutil.copytree(TEMPLATE_DIR, template, ignore=IGNORED)
    project = cookiecutter_bake(template, tmp_path / "out", env)
    assert kept_answers(project)["_template"]["commit"] is None


# --- cruft ------------------------------------------------------------------------------------


def cruft_create(project_parent: Path, template: Path, env: dict) -> Path:
    project_parent.mkdir()
    context = json.dumps(ANSWERS)
    run(
        "cruft", "create", "--no-input", "--extra-context", context, str(template),
        cwd=project_parent, env=env,
    )  # fmt: skip
    [project] = project_parent.iterdir()
    return project


def test_cruft_create_records_the_commit(tmp_path, template_repo, env):
    project = cruft_create(tmp_path / "created", template_repo, env)
    commit = head(template_repo, env)
    assert cruft_state(project)["commit"] == commit
    assert cruft_state(project)["template"] == str(template_repo)
    assert kept_answers(project)["_template"]["commit"] == commit
    assert kept_answers(project)["cookiecutter"]["framework"] == "fastapi"
    assert (project / ".env").is_file()
    assert run("cruft", "check", cwd=project, env=env).returncode == 0


def test_cruft_create_as_the_readme_shows_it(tmp_path, template_repo, env):
    # validate defaults to true: under cruft the project is rendered, never installed (cruft
    # renders again on every diff and update, and would patch a .venv into the project).
    project = cookiecutter_bake(template_repo, tmp_path / "out", env)
    readme = (project / "README.md").read_text(encoding="utf-8")
    command = re.search(r"`(cruft create [^`]+)`", readme)[1]
    assert command == "cruft create --no-input <template>"
    created = tmp_path / "created"
    created.mkdir()
    result = shell(command.replace("<template>", str(template_repo)), created, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (created / "sgid-app" / ".cruft.json").is_file()
    assert not (created / "sgid-app" / ".venv").exists()


@pytest.mark.slow
def test_cruft_update_brings_the_templates_change_and_keeps_the_owners(
    tmp_path, template_repo, env
):
    project = cruft_create(tmp_path / "created", template_repo, env)
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=project, env=env)
    commit_all(project, "Generated", env)
    env_file = (project / ".env").read_bytes()

    # The owner changes a page; the template changes its README.
    page = project / "src" / "aero_s_quoted_app" / "pages" / "templates" / "home.html"
    page.write_text(page.read_text(encoding="utf-8") + USER_LINE + "\n", encoding="utf-8")
    commit_all(project, "Owner's change", env)
    readme = template_repo / "{{cookiecutter.project_slug}}" / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert text.count("## Where things live\n") == 1
    readme.write_text(text.replace("## Where things live\n", TEMPLATE_HEADING + "\n"))
    commit_all(template_repo, "Template change", env)
    new_commit = head(template_repo, env)

    commands = readme_commands(project, template_repo)
    check, diff, update = (
        next(c for c in commands if c.startswith(name))
        for name in ("cruft check", "cruft diff", "cruft update")
    )
    result = shell(check, project, env, check=False)
    assert result.returncode == 1
    assert "out of date" in result.stdout + result.stderr

    shown = shell(diff, project, env).stdout
    assert f"+{TEMPLATE_HEADING}" in shown.splitlines()
    assert f"-{USER_LINE}" in shown.splitlines()  # the owner's line is not the template's

    shell(update, project, env)
    assert USER_LINE in page.read_text(encoding="utf-8")
    assert TEMPLATE_HEADING in (project / "README.md").read_text(encoding="utf-8")
    assert cruft_state(project)["commit"] == new_commit
    assert kept_answers(project)["_template"]["commit"] == new_commit
    assert (project / ".env").read_bytes() == env_file
    assert shell(check, project, env).returncode == 0


def test_cruft_never_shows_or_patches_the_projects_secrets(tmp_path, template_repo, env):
    project = cruft_create(tmp_path / "created", template_repo, env)
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=project, env=env)
    commit_all(project, "Generated", env)
    secret = re.search(r"^SECRET_KEY=(.+)$", (project / ".env").read_text(), re.MULTILINE)[1]
    readme = template_repo / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA newer template.\n")
    commit_all(template_repo, "Template change", env)
    shown = run("cruft", "diff", "--checkout", "main", cwd=project, env=env)
    updated = run("cruft", "update", "--skip-apply-ask", cwd=project, env=env)
    assert secret not in shown.stdout + updated.stdout + updated.stderr
    assert not list(project.glob("*.rej"))


def test_cruft_link_keeps_the_answers_of_a_cookiecutter_project(tmp_path, template_repo, env):
    project = cookiecutter_bake(template_repo, tmp_path / "out", env)
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=project, env=env)
    commit_all(project, "Generated", env)
    shell(readme_command(project, template_repo, "cruft link "), project, env)
    shell(readme_command(project, template_repo, "git add .cruft.json"), project, env)
    state = cruft_state(project)
    assert state["commit"] == head(template_repo, env)
    answers = state["context"]["cookiecutter"]
    assert {key: answers[key] for key in ANSWERS} == ANSWERS
    assert run("cruft", "check", cwd=project, env=env).returncode == 0
    # Linked with the right answers, the template at that commit renders this very project.
    shown = run("cruft", "diff", "--exit-code", cwd=project, env=env, check=False)
    changed = re.findall(r"^diff --git upstream-template-old/(\S+)", shown.stdout, re.MULTILINE)
    assert set(changed) <= {".env"}, shown.stdout
