"""The generated README's recipes ("Build on it"), applied to a project of every framework.

Fast: each README's recipes parse, cover all five, and their edits land (every anchor found) in
a project that still lints. Slow: the same edits, plus the commands the recipes run, on an
installed project, whose whole quick suite then passes: the project's own tests and the tests
the recipes ask the reader to write.
"""

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from recipes import RECIPES, apply, steps

FRAMEWORKS = ("flask", "fastapi", "django")
QUICK_CHECK = "not browser and not scaleout and not waits"
SUITE_TIMEOUT_SECONDS = 20 * 60


def readme_steps(project: Path):
    return steps((project / "README.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_recipe_edit_lands_and_lints(bake_with_hooks, tmp_path, framework):
    project = bake_with_hooks(tmp_path, framework=framework)
    found = readme_steps(project)
    assert {step.recipe for step in found} == set(RECIPES)
    for step in found:
        if step.action != "run":
            apply(project, step)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    env_scopes = re.search(r"^SGID_SCOPES=(.*)$", (project / ".env").read_text(), re.MULTILINE)
    assert env_scopes and "pocdex.public_officer_details" in env_scopes.group(1).split()


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_recipes_work_in_a_generated_project(run_cookiecutter, tmp_path, framework):
    """The default store (database): the user-records recipe keeps its records there."""
    result = run_cookiecutter(
        tmp_path, f"framework={framework}", "validate=true", timeout=SUITE_TIMEOUT_SECONDS
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    project = tmp_path / "sgid-app"
    for step in readme_steps(project):
        apply(project, step)
    report = tmp_path / "report.xml"
    suite = subprocess.run(
        [project / ".venv" / "bin" / "python", "-m", "pytest", "-q", "-rf", "-m", QUICK_CHECK]
        + [f"--junit-xml={report}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-2000:]
    # The tests the recipes asked for ran and passed, not skipped or deselected.
    cases = ElementTree.parse(report).getroot().iter("testcase")  # noqa: S314 (our own report)
    passed = {case.get("classname") for case in cases if not len(case)}
    for step in readme_steps(project):
        if step.action == "create" and step.path.startswith("tests/test_"):
            module = step.path.removesuffix(".py").replace("/", ".")
            assert module in passed, f"{step.recipe}: {step.path} did not pass ({passed})"
