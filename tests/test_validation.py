"""End to end: the cookiecutter CLI with hooks on. Every bad answer fails with its one-line
message and leaves nothing behind; install and test outcomes are reported as documented."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))

BAD_ANSWERS = [
    pytest.param(
        ["project_slug=Bad Slug"],
        'ERROR: project_slug "Bad Slug" must be lowercase letters, digits and single hyphens, '
        "starting with a letter. Pass e.g. project_slug=bad-slug",
        id="bad-slug",
    ),
    pytest.param(
        ["package_name=class"],
        'ERROR: package_name "class" is a Python keyword. Pass e.g. package_name=class_app',
        id="keyword-package",
    ),
    pytest.param(
        ["package_name=1app"],
        'ERROR: package_name "1app" starts with a digit, which Python cannot import. '
        "Pass e.g. package_name=app_1app",
        id="leading-digit-package",
    ),
    pytest.param(
        ["package_name=json"],
        'ERROR: package_name "json" would shadow the standard-library module "json". '
        "Pass e.g. package_name=json_app",
        id="stdlib-package",
    ),
    pytest.param(
        ["package_name=flask"],
        'ERROR: package_name "flask" would shadow "flask", which the generated project imports. '
        "Pass e.g. package_name=flask_app",
        id="dependency-package",
    ),
    pytest.param(
        ["package_name=test"],
        'ERROR: package_name "test" would shadow "test", which the generated project imports. '
        "Pass e.g. package_name=test_app",
        id="test-package",
    ),
    pytest.param(
        ["package_name=sgid_client"],
        'ERROR: package_name "sgid_client" would shadow "sgid_client", which the generated '
        "project imports. Pass e.g. package_name=sgid_client_app",
        id="sdk-package",
    ),
    pytest.param(
        ["scopes=openid myinfo.nam"],
        'ERROR: scope "myinfo.nam" is not in the sgID catalog. Did you mean "myinfo.name"? '
        "See README.md#scopes",
        id="unknown-scope",
    ),
    pytest.param(
        ["scopes=myinfo.name"],
        "ERROR: scopes must include openid (sgID refuses logins without it). "
        'Pass scopes="openid myinfo.name"',
        id="missing-openid",
    ),
    pytest.param(
        ["scopes=openid myinfo.name myinfo.name"],
        'ERROR: scope "myinfo.name" is listed more than once in scopes. List it once.',
        id="duplicate-scope",
    ),
    pytest.param(
        ["scopes="],
        'ERROR: scopes is empty; openid is required. Pass scopes="openid myinfo.name"',
        id="empty-scopes",
    ),
    pytest.param(
        ["session_store=cookie", "scopes=openid myinfo.vehicles"],
        "ERROR: scopes myinfo.vehicles cannot be used with session_store=cookie: their values are "
        "unbounded JSON lists that cannot fit a 4 kB cookie; choose session_store=database or "
        "session_store=redis, or drop those scopes",
        id="cookie-with-vehicles",
    ),
]


def assert_nothing_generated(output_dir: Path) -> None:
    assert not output_dir.exists() or list(output_dir.iterdir()) == []


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS)
def test_a_bad_answer_fails_cleanly(run_cookiecutter, tmp_path, answers, message):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, *answers, "validate=false")
    assert result.returncode != 0
    assert message in result.stderr.splitlines()
    assert_nothing_generated(output_dir)


def test_every_bad_answer_is_reported_at_once(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(
        output_dir, "project_slug=Bad Slug", "package_name=class", "scopes=myinfo.nam"
    )
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")] == [
        'ERROR: project_slug "Bad Slug" must be lowercase letters, digits and single hyphens, '
        "starting with a letter. Pass e.g. project_slug=bad-slug",
        'ERROR: package_name "class" is a Python keyword. Pass e.g. package_name=class_app',
        'ERROR: scope "myinfo.nam" is not in the sgID catalog. Did you mean "myinfo.name"? '
        "See README.md#scopes",
        'ERROR: scopes must include openid (sgID refuses logins without it). Pass scopes="openid"',
    ]
    assert_nothing_generated(output_dir)


def corrected_command(stderr: str) -> list[str]:
    """The one command the hook prints after the errors, as its argument list."""
    lines = stderr.splitlines()
    [lead] = [i for i, line in enumerate(lines) if line.startswith("With every answer corrected")]
    assert lines[lead].endswith(", run:")
    return shlex.split(lines[lead + 1])


def run_printed(command: list[str], cookiecutter_config: Path) -> subprocess.CompletedProcess:
    assert command[0] == "cookiecutter"
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", *command[1:], "--config-file", cookiecutter_config],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_conflicting_wrong_answers_get_one_corrected_command_that_works(
    run_cookiecutter, cookiecutter_config, template_copy, tmp_path
):
    # A cookie store, a list scope it cannot hold and a misspelt scope: the command keeps the
    # scopes (corrected) and picks the first store that holds them, and says so.
    output_dir = tmp_path / "out"
    result = run_cookiecutter(
        output_dir,
        'project_name=Ærø "Quoted" App',
        "framework=django",
        "session_store=cookie",
        "scopes=openid myinfo.vehicles myinfo.nam",
        "validate=false",
    )
    assert result.returncode != 0
    assert (
        "With every answer corrected (session_store=database, which can hold myinfo.vehicles; "
        "to keep session_store=cookie, drop myinfo.vehicles instead), run:"
    ) in result.stderr.splitlines()
    command = corrected_command(result.stderr)
    assert command == [
        "cookiecutter",
        str(template_copy),
        "--no-input",
        "--output-dir",
        str(output_dir.resolve()),
        'project_name=Ærø "Quoted" App',
        "project_slug=aero-quoted-app",
        "package_name=aero_quoted_app",
        "framework=django",
        "session_store=database",
        "scopes=openid myinfo.vehicles myinfo.name",
        "validate=false",
    ]
    assert_nothing_generated(output_dir)
    fixed = run_printed(command, cookiecutter_config)
    assert fixed.returncode == 0, fixed.stderr
    kept = json.loads((output_dir / "aero-quoted-app" / ".cookiecutter.json").read_text())
    assert kept["cookiecutter"]["session_store"] == "database"


@pytest.mark.parametrize(
    ("answers", "fixed"),
    [
        pytest.param(
            ["project_slug=2 Bad"],
            ["project_slug=app-2-bad", "package_name=app_2_bad"],
            id="slug-and-the-package-derived-from-it",
        ),
        pytest.param(
            ["package_name=json", "scopes=myinfo.name myinfo.name"],
            ["package_name=json_app", "scopes=openid myinfo.name"],
            id="package-and-scopes",
        ),
    ],
)
def test_the_corrected_command_fixes_every_answer_and_works(
    run_cookiecutter, cookiecutter_config, tmp_path, answers, fixed
):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, *answers, "validate=false")
    assert result.returncode != 0
    command = corrected_command(result.stderr)
    assert set(fixed) <= set(command)
    assert_nothing_generated(output_dir)
    assert run_printed(command, cookiecutter_config).returncode == 0
    assert len(list(output_dir.iterdir())) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "",
            "ERROR: project_name is empty; it names the folder and is shown on every page. "
            'Pass e.g. project_name="sgID App"',
            id="empty",
        ),
        pytest.param(
            "!!!",
            'ERROR: project_name "!!!" has no letters or digits to make the folder name from. '
            'Pass a name with some, e.g. project_name="sgID App", or a folder name, '
            "e.g. project_slug=sgid-app",
            id="no-letters",
        ),
    ],
)
def test_a_project_name_without_a_folder_name_gets_its_own_message(
    run_cookiecutter, cookiecutter_config, tmp_path, name, message
):
    # Its slug would render empty: the output directory itself, which "already exists".
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    result = run_cookiecutter(output_dir, f"project_name={name}", "validate=false")
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")] == [message]
    assert "already exists" not in result.stderr
    assert_nothing_generated(output_dir)
    assert run_printed(corrected_command(result.stderr), cookiecutter_config).returncode == 0
    assert (output_dir / "sgid-app" / ".cookiecutter.json").is_file()


def test_an_unknown_framework_is_refused_by_cookiecutter(run_cookiecutter, tmp_path):
    # On the command line cookiecutter itself refuses a value outside a choice list.
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "framework=rails")
    assert result.returncode != 0
    assert "rails provided for choice variable framework, but the choices are" in result.stderr
    assert_nothing_generated(output_dir)


def test_an_unknown_framework_in_a_replay_file_is_refused_by_the_hook(
    run_cookiecutter, hook_context, tmp_path
):
    # Replay files bypass cookiecutter's own check; the pre_gen hook catches them, with the
    # choices from the template itself (cookiecutter derives _cookiecutter from the replay).
    context = hook_context(validate=False)
    context["cookiecutter"]["framework"] = "rails"
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps(context))
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "--replay-file", str(replay), no_input=False)
    assert result.returncode != 0
    choices = ", ".join(f"framework={c}" for c in TEMPLATE["framework"])
    assert f'ERROR: framework "rails" is not a choice. Pass one of: {choices}' in (
        result.stderr.splitlines()
    )
    assert_nothing_generated(output_dir)


def test_good_answers_generate_a_project(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "validate=false")
    assert result.returncode == 0, result.stderr
    assert "sgID scopes (" not in result.stdout  # scripted runs get no catalog
    assert result.stderr == ""
    assert (output_dir / "sgid-app" / ".env").is_file()


def test_pytest_cookies_bakes_with_the_hooks(cookies, template_copy, capfd):
    # pytest-cookies calls cookiecutter's API with hooks on: the hooks find the template.
    result = cookies.bake(extra_context={"validate": False}, template=str(template_copy))
    assert result.exception is None, result.exception
    kept = json.loads((result.project_path / ".cookiecutter.json").read_text())
    assert kept["_template"]["source"] == str(template_copy)
    capfd.readouterr()
    bad = cookies.bake(extra_context={"scopes": "x"}, template=str(template_copy))
    assert "Hook script failed" in str(bad.exception)
    assert bad.project_path is None
    printed = capfd.readouterr().err.splitlines()
    assert 'ERROR: scope "x" is not in the sgID catalog. See README.md#scopes' in printed
    assert any(line.startswith("  cookiecutter ") for line in printed)


# --- what the post_gen hook does when installing or testing fails ---------------------------

FAKE_UV = """#!{python}
# A stand-in for uv: offline, or a .venv whose python "runs" a canned pytest result.
import os, pathlib, sys
mode = os.environ["FAKE_UV_MODE"]
if mode == "offline":
    print("error: Failed to fetch: `https://pypi.org/simple/flask/`")
    sys.exit(2)
summary, status = {{"pass": ("3 passed in 0.12s", 0), "fail": ("1 failed, 2 passed", 1)}}[mode]
python = pathlib.Path(".venv/bin/python")
python.parent.mkdir(parents=True, exist_ok=True)
python.write_text(
    f'#!/bin/sh\\nif [ "$2" = pytest ]; then echo "{{summary}}"; exit {{status}}; fi\\nexit 0\\n'
)
python.chmod(0o755)
# The venv's own uv (the dev group's) writes requirements-dev.txt: here it does nothing.
uv = python.parent / "uv"
uv.write_text("#!/bin/sh\\nexit 0\\n")
uv.chmod(0o755)
"""


def with_fake_uv(tmp_path: Path, mode: str) -> dict:
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text(FAKE_UV.format(python=sys.executable))
    uv.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_UV_MODE": mode,
    }


def test_passing_generated_tests_are_summarised(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "validate=true", env=with_fake_uv(tmp_path, "pass"))
    assert result.returncode == 0, result.stderr
    assert "PASS: 3 tests passed in" in result.stdout
    assert (output_dir / "sgid-app").is_dir()


def test_failing_generated_tests_fail_generation(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "validate=true", env=with_fake_uv(tmp_path, "fail"))
    assert result.returncode != 0
    assert "FAIL: the generated tests failed (pytest exit status 1)" in result.stderr
    assert "1 failed, 2 passed" in result.stderr
    assert "cookiecutter --replay --keep-project-on-failure" in result.stderr
    assert_nothing_generated(output_dir)


def test_failing_generated_tests_can_keep_the_project(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    env = with_fake_uv(tmp_path, "fail")
    result = run_cookiecutter(output_dir, "--keep-project-on-failure", "validate=true", env=env)
    assert result.returncode != 0
    assert (output_dir / "sgid-app" / ".env").is_file()


def test_offline_install_keeps_the_project_and_says_how_to_test_later(run_cookiecutter, tmp_path):
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "validate=true", env=with_fake_uv(tmp_path, "offline"))
    assert result.returncode == 0, result.stderr
    assert "dependencies could not be installed" in result.stderr
    assert "Failed to fetch" in result.stderr
    for command in (
        "uv sync",
        ".venv/bin/python -m sgid_app.keys dev",
        ".venv/bin/python -m pytest",
    ):
        assert command in result.stderr
    assert (output_dir / "sgid-app" / ".env").is_file()


def test_offline_install_with_pip_says_how_to_test_later(run_cookiecutter, tmp_path):
    # No uv on PATH, and an index that cannot be reached: the pip path, offline.
    env = {
        **os.environ,
        "PATH": os.pathsep.join(["/usr/bin", "/bin"]),
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "1",
        "PIP_NO_CACHE_DIR": "1",
    }
    output_dir = tmp_path / "out"
    result = run_cookiecutter(output_dir, "validate=true", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "dependencies could not be installed" in result.stderr
    # Without uv, pip installs the dev group's uv, which locks; pip installs exactly that set.
    assert ".venv/bin/uv lock" in result.stderr
    assert ".venv/bin/pip install --no-deps -r requirements-dev.txt -e ." in result.stderr
    assert (output_dir / "sgid-app" / ".venv").is_dir()
