"""Every generated project is ready to deploy: its Dockerfile, CI workflow and pre-commit setup
pass the same linters their authors would run, for every framework and session store."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
COMBINATIONS = [
    pytest.param((framework, store), id=f"{framework}-{store}")
    for framework in TEMPLATE["framework"]
    for store in TEMPLATE["session_store"]
]
# What pre-commit would check on a fresh `git add .` of the project (see .pre-commit-config.yaml;
# its hook repositories cannot be fetched here, so the same tools run directly).
# Each check with the file endings pre-commit would give it (None: every text file).
PRE_COMMIT_CHECKS = {
    "check-merge-conflict": None,
    "detect-private-key": None,
    "trailing-whitespace-fixer": None,
    "end-of-file-fixer": None,
    "check-toml": (".toml",),
    "check-yaml": (".yml", ".yaml"),
}


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
    assert "src/*/sgid/emulator/" in ignored  # the emulator never ships
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


def test_pre_commit_config_is_valid(project):
    result = run(str(BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("check", PRE_COMMIT_CHECKS)
def test_generated_files_pass_pre_commit_checks(project, check):
    files = committed_files(project)
    assert ".env" not in files and not any(f.startswith(".dev-keys/") for f in files)
    endings = PRE_COMMIT_CHECKS[check]
    files = [f for f in files if endings is None or f.endswith(endings)]
    assert files
    result = run(str(BIN / check), *files, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_answers_are_kept_for_updates(project):
    answers = json.loads((project / ".cookiecutter.json").read_text())
    assert answers["project_slug"] == project.name
    assert set(answers) >= {"framework", "session_store", "scopes", "package_name"}
