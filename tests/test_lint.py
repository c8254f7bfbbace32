"""The template's own code passes ruff, like the projects it makes, and so does the project
template's Python as it stands in this repository: no Jinja branching inside Python, so it lints
without baking (cookiecutter-django's rule). Only the package name is substituted."""

import re
import subprocess
import sys
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"

# What a Python file in the project template may hold of Jinja: plain substitutions of answers
# (names and strings), never a {% %} block. Each is replaced by a value of the right shape.
SUBSTITUTIONS = {
    "{{ cookiecutter.package_name }}": "sgid_app",
    "{{cookiecutter.package_name}}": "sgid_app",
    "{{ cookiecutter.project_name | tojson }}": '"A project"',
    '{{ cookiecutter.scopes.split() | join("\\n") }}': "openid\nmyinfo.name",
    "{{ cookiecutter.session_store | tojson }}": '"database"',
}


def run_ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_check():
    result = run_ruff("check", ".", cwd=TEMPLATE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run_ruff("format", "--check", ".", cwd=TEMPLATE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def substituted(text: str) -> str:
    for jinja, value in SUBSTITUTIONS.items():
        text = text.replace(jinja, value)
    return text


def project_ruff_config() -> str:
    """The generated project's [tool.ruff] tables, which hold no Jinja, as their own file."""
    text = (PROJECT_TEMPLATE / "pyproject.toml").read_text("utf-8")
    ruff_tables = text[text.index("[tool.ruff]") :]
    assert "{" not in ruff_tables, "the project's ruff configuration must not hold Jinja"
    # Unbaked, isort cannot tell what is whose: the folders named after the frameworks
    # (_web/flask, ...) pass for first-party modules, and modules the hook places under their
    # final name (stores/session_store.py, web/...) do not exist yet, so say it.
    return ruff_tables.replace(
        "[tool.ruff.lint.isort]",
        "[tool.ruff.lint.isort]\n"
        'known-first-party = ["sgid_app"]\n'
        'known-third-party = ["django", "fastapi", "flask"]',
    )


def test_the_project_templates_python_has_no_jinja_blocks():
    offenders = [
        str(path.relative_to(PROJECT_TEMPLATE))
        for path in PROJECT_TEMPLATE.rglob("*.py")
        if "{%" in path.read_text("utf-8") or "{%" in str(path)
    ]
    assert offenders == [], f"Jinja blocks in Python (use the hook's prune table): {offenders}"


def test_the_project_templates_python_lints_without_baking(tmp_path):
    project = tmp_path / "project"
    for source in PROJECT_TEMPLATE.rglob("*.py"):
        target = project / substituted(str(source.relative_to(PROJECT_TEMPLATE)))
        target.parent.mkdir(parents=True, exist_ok=True)
        text = substituted(source.read_text("utf-8"))
        leftover = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text)
        assert leftover == [], f"{source.relative_to(PROJECT_TEMPLATE)}: Jinja {leftover}"
        target.write_text(text, "utf-8")
    (project / "pyproject.toml").write_text(project_ruff_config(), "utf-8")
    check = run_ruff("check", ".", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    formatting = run_ruff("format", "--check", ".", cwd=project)
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr
