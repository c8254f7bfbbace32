"""Finish the new project: keep only what was chosen, write a development .env and, unless the
validate answer is false, install the project and run its tests so it arrives already proven.

Cookiecutter renders this file with the answers and runs it inside the new project directory;
a non-zero exit makes cookiecutter delete the project. Safe to run again: each step looks at
what is already there first.
"""

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

# The one table of what depends on the answers: (path in the template, the answers that keep it,
# the path it is kept as, None: where it is). A path whose answers were not chosen is deleted;
# a kept one moves to its place. Rows run in order, so a file inside a framework folder is put
# in place before the folder moves; choice folders ("_" names) left empty are removed after.
# Add a row when you add a choice-specific file; tests/test_bake.py checks every path exists.
FRAMEWORKS = ("flask", "fastapi", "django")
STORES = ("database", "redis", "cookie")
SERVER_SIDE = {"session_store": ("database", "redis")}
DATABASE = {"session_store": ("database",)}
DJANGO = {"framework": ("django",)}
# A list of such conditions keeps the path when any of them holds: Django keeps its users
# (django.contrib.auth) in a SQL database (DATABASE_URL) whatever the session store.
SQL = [DATABASE, DJANGO]


def each(question: str, answers: tuple[str, ...], path: str, kept_as: str) -> list[tuple]:
    """One row per answer, "{answer}" in the path standing for it."""
    return [
        (path.replace("{answer}", answer), {question: (answer,)}, kept_as) for answer in answers
    ]


Keeping = dict[str, tuple[str, ...]] | list[dict[str, tuple[str, ...]]]
CHOICE_PATHS: list[tuple[str, Keeping, str | None]] = [
    # The chosen store's settings: its variable, URL, production check and setup lock.
    *each(
        "session_store",
        STORES,
        "src/{package}/stores/_session_store/{answer}.py",
        "src/{package}/stores/session_store.py",
    ),
    ("src/{package}/stores/health.py", [SERVER_SIDE, DJANGO], None),
    ("src/{package}/stores/limits.py", SQL, None),
    ("src/{package}/stores/database_url.py", SQL, None),
    ("src/{package}/stores/schema_lock.py", SQL, None),
    # Django keeps its own database session backend; Flask and FastAPI share this SQL store.
    ("src/{package}/stores/sql.py", {**DATABASE, "framework": ("flask", "fastapi")}, None),
    ("tests/unit/test_sql_store.py", {**DATABASE, "framework": ("flask", "fastapi")}, None),
    ("src/{package}/stores/cookie.py", {"session_store": ("cookie",)}, None),
    ("tests/unit/test_cookie_store.py", {"session_store": ("cookie",)}, None),
    ("tests/test_store_gate.py", SERVER_SIDE, None),
    ("tests/unit/test_schema_lock.py", DATABASE, None),
    # Each framework's side of the chosen store, placed before the framework's folder moves.
    *each(
        "session_store",
        STORES,
        "src/{package}/_web/flask/_sessions/{answer}.py",
        "src/{package}/_web/flask/sessions.py",
    ),
    *each(
        "session_store",
        STORES,
        "src/{package}/_web/fastapi/_sessions/{answer}.py",
        "src/{package}/_web/fastapi/sessions.py",
    ),
    *each(
        "session_store",
        STORES,
        "src/{package}/_web/django/_sessions/{answer}.py",
        "src/{package}/_web/django/sessions.py",
    ),
    *each(
        "session_store",
        STORES,
        "src/{package}/_web/django/_session_settings/{answer}.py",
        "src/{package}/_web/django/session_settings.py",
    ),
    ("src/{package}/_web/flask/server_store.py", SERVER_SIDE, None),
    ("src/{package}/_web/fastapi/server_store.py", SERVER_SIDE, None),
    ("src/{package}/_web/django/server_store.py", SERVER_SIDE, None),
    # The app's record of each person: a table beside the sessions (Flask, FastAPI with the
    # database store), Django's user model (every Django project has a database), or none.
    (
        "src/{package}/accounts/_records/sql.py",
        {**DATABASE, "framework": ("flask", "fastapi")},
        "src/{package}/accounts/records.py",
    ),
    (
        "src/{package}/accounts/_records/none.py",
        {"session_store": ("redis", "cookie"), "framework": ("flask", "fastapi")},
        "src/{package}/accounts/records.py",
    ),
    ("src/{package}/accounts/_records/django.py", DJANGO, "src/{package}/accounts/records.py"),
    # Django's request.user is its User model instead.
    ("src/{package}/accounts/user.py", {"framework": ("flask", "fastapi")}, None),
    # The chosen framework's web layer and its tests; then what only some frameworks need.
    *each("framework", FRAMEWORKS, "src/{package}/_web/{answer}", "src/{package}/web"),
    *each("framework", FRAMEWORKS, "tests/_web/{answer}", "tests/web"),
    ("src/{package}/manage.py", {"framework": ("django",)}, None),
    ("src/{package}/serving/gunicorn_command.py", {"framework": ("flask", "django")}, None),
]

STORE_ENV_LINES = {
    "database": [
        "# Session store: a SQLite file by default; any SQLAlchemy URL (e.g. PostgreSQL) works",
        "DATABASE_URL=sqlite:///instance/sessions.sqlite3",
    ],
    "redis": [
        "# Session store: the Redis server every app instance shares",
        "REDIS_URL=redis://127.0.0.1:6379/0",
    ],
    "cookie": [],
}

# Where the dev command serves the app (the .env's SGID_REDIRECT_URI), shown when it is done.
DEV_URL = "http://localhost:8000"

INSTALL_TIMEOUT_SECONDS = 600
KEYS_TIMEOUT_SECONDS = 120
TESTS_TIMEOUT_SECONDS = 600
QUICK_CHECK = "not browser and not scaleout and not waits"
OUTPUT_TAIL_LINES = 20


# --- 1. prune what was not chosen -----------------------------------------------------------


def prune(project: Path, package: str, framework: str, session_store: str) -> None:
    chosen = {"framework": framework, "session_store": session_store}
    for path, keeping, kept_as in CHOICE_PATHS:
        source = project / path.format(package=package)
        if not keeps(keeping, chosen):
            remove(source)
        elif kept_as is not None:
            place(project, source, project / kept_as.format(package=package))
        remove_empty_choice_folders(project, source)


def keeps(keeping: Keeping, chosen: dict[str, str]) -> bool:
    conditions = keeping if isinstance(keeping, list) else [keeping]
    return any(all(chosen[q] in answers for q, answers in c.items()) for c in conditions)


def place(project: Path, source: Path, target: Path) -> None:
    """Move a chosen path to where it is kept; on a second run it is already there."""
    if source.exists():
        if not target.exists():
            source.rename(target)
        remove(source)
    elif source.parent.is_dir() and not target.exists():  # its folder not yet pruned
        raise SystemExit(f"ERROR: template bug: {source.relative_to(project)} is missing")


def remove_empty_choice_folders(project: Path, path: Path) -> None:
    for folder in path.parents:
        if folder == project or not folder.name.startswith("_"):
            continue
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


# --- 2. the development .env ----------------------------------------------------------------


ENV_HEADER = [
    "# Development settings, written once when the project was generated; never commit",
    "# this file (.gitignore lists it). Real sgID values come from the developer portal",
    "# (see docs.id.gov.sg): set them in the deployed app's environment instead.",
]
ENV_EXAMPLE_HEADER = [
    "# Copy to .env for development (the template's hook already wrote one with random secrets),",
    "# then replace each change-me. In production set real environment variables instead.",
]
PLACEHOLDER = "change-me"


def env_text(answers: dict, example: bool = False) -> str:
    """A development .env: talks to the built-in emulator, with fresh random secrets; with
    example, .env.example: the same lines with placeholders for the secrets."""

    def secret(size: int) -> str:
        return PLACEHOLDER if example else secrets.token_urlsafe(size)

    scopes = " ".join(answers["scopes"].split())
    lines = [
        *(ENV_EXAMPLE_HEADER if example else ENV_HEADER),
        "",
        "# development or production (production refuses these development defaults)",
        "APP_ENV=development",
        "# Signs and encrypts sessions: random, at least 32 characters",
        f"SECRET_KEY={secret(48)}",
        "# The sgID server: here the built-in emulator; https://api.id.gov.sg in production",
        "SGID_HOSTNAME=http://localhost:5156",
        "# This app's client ID and secret (these only work with the emulator)",
        f"SGID_CLIENT_ID={answers['project_slug']}-dev",
        f"SGID_CLIENT_SECRET={secret(32)}",
        f"# The client's RSA private key; `python -m {answers['package_name']}.keys dev` makes it",
        "SGID_PRIVATE_KEY_FILE=.dev-keys/sgid-private.pem",
        "# Where sgID sends people back after login (registered with sgID in production)",
        f"SGID_REDIRECT_URI={DEV_URL}/callback",
        "# The sgID scopes to request, space separated",
        f"SGID_SCOPES={scopes}",
        *STORE_ENV_LINES[answers["session_store"]],
    ]
    return "\n".join(lines) + "\n"


def write_env_example(project: Path, answers: dict) -> None:
    """.env.example, committed with the project: the .env's lines without its secrets."""
    (project / ".env.example").write_text(env_text(answers, example=True), encoding="utf-8")


def write_env_file(project: Path, answers: dict) -> None:
    """Create .env readable by its owner only; never touch an existing one."""
    try:
        descriptor = os.open(project / ".env", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as env_file:
        env_file.write(env_text(answers))
    # The umask can only remove permission bits; chmod again so the mode is exactly 0600.
    os.chmod(project / ".env", 0o600)


# --- 3. install and run the generated tests -------------------------------------------------


class InstallFailed(Exception):
    """Dependencies could not be installed (offline, index unreachable, no venv support...)."""


def venv_python(project: Path) -> Path:
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


# requirements-dev.txt: uv.lock exported for pip, the complete locked set (dependencies and the
# dev group, with uv's overrides applied), so `pip install --no-deps -r requirements-dev.txt -e .`
# installs exactly the lock. .pre-commit-config.yaml runs this same command to keep it in step
# with uv.lock; the template's tests check that the two agree.
EXPORT_REQUIREMENTS = [
    *("uv", "export", "--frozen", "--no-hashes", "--no-emit-project", "--quiet"),
    *("--output-file", "requirements-dev.txt"),
]


def venv_bin(project: Path, program: str) -> str:
    """A program in .venv, relative to the project (as the commands are shown and run)."""
    scripts = venv_python(project).parent.relative_to(project)
    return str(scripts / (f"{program}.exe" if os.name == "nt" else program))


def install_commands(project: Path, uv: str | None) -> list[list[str]]:
    """The commands that lock the project (uv.lock, requirements-dev.txt) and install it, with
    its dev dependencies, into .venv: with uv when it is on PATH, else with venv and pip."""
    # The export is written by the venv's uv, the version the dev group pins, so the pre-commit
    # hook (same version) rewrites it byte for byte instead of flagging a different header.
    export = [venv_bin(project, "uv"), *EXPORT_REQUIREMENTS[1:]]
    if uv:
        # Compiled now, in parallel, rather than by each of the servers the tests start at once,
        # and on every start where PYTHONDONTWRITEBYTECODE is set (pip compiles by default).
        return [["uv", "sync", "--compile-bytecode"], export]
    # Without uv, pip installs the dev group's uv (a wheel from PyPI; nothing else is needed),
    # that uv writes uv.lock and exports it, and pip installs exactly that set: the same lock as
    # the uv path, which the project's CI (`uv sync --locked`) and Dockerfile need, and the
    # same command the README gives people without uv.
    return [
        [sys.executable, "-m", "venv", ".venv"],
        [venv_bin(project, "python"), "-m", "pip", "install", uv_requirement(project)],
        [venv_bin(project, "uv"), "lock"],
        export,
        [venv_bin(project, "pip"), "install", "--no-deps", "-r", "requirements-dev.txt", "-e", "."],
    ]


def read_pyproject(project: Path) -> dict:
    import tomllib  # Python 3.11+; on older ones install_and_test says how to install later

    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def uv_requirement(project: Path) -> str:
    """The dev group's uv requirement, e.g. "uv==0.13.9"."""
    groups = read_pyproject(project).get("dependency-groups", {})
    return next(r for r in group_requirements(groups, "dev") if re.match(r"uv\b", r))


def group_requirements(groups: dict, name: str) -> list[str]:
    """A dependency group's requirements, following {include-group = "..."} entries."""
    requirements = []
    for entry in groups.get(name, []):
        if isinstance(entry, dict):
            requirements += group_requirements(groups, entry["include-group"])
        else:
            requirements.append(entry)
    return requirements


def subprocess_env() -> dict[str, str]:
    # Whatever environment cookiecutter runs in must not leak into the project's own .venv.
    ignored = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"}
    env = {name: value for name, value in os.environ.items() if name not in ignored}
    # Output goes to a pipe, where pytest assumes 80 columns and cuts the reason off a failed
    # test's summary line; this way a FAIL shows why.
    env.setdefault("COLUMNS", "200")
    return env


def run(command: list[str], project: Path, timeout: float) -> tuple[int, str]:
    """Run a command in the project; (exit status, combined output). Never raises."""
    executable = project / command[0] if command[0].startswith(".venv") else command[0]
    try:
        done = subprocess.run(
            [str(executable), *command[1:]],
            cwd=project,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=max(timeout, 1),
        )
    except subprocess.TimeoutExpired as timed_out:
        output = timed_out.output or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        return 124, f"{output}\n{shlex.join(command)} timed out after {timeout:.0f} s"
    except OSError as error:
        return 127, f"{shlex.join(command)} could not start: {error}"
    return done.returncode, done.stdout


def install(project: Path, commands: list[list[str]]) -> None:
    """Run the install commands within one overall time limit; InstallFailed on any failure."""
    deadline = time.monotonic() + INSTALL_TIMEOUT_SECONDS
    for command in commands:
        status, output = run(command, project, deadline - time.monotonic())
        if status != 0:
            raise InstallFailed(f"{shlex.join(command)} failed:\n{tail(output)}")


def tail(output: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join("    " + line for line in output.strip().splitlines()[-lines:])


def validation_commands(project: Path, package: str) -> list[list[str]]:
    python = str(venv_python(project).relative_to(project))
    # The quick check: the generated suite without the tests that wait on purpose for a limit
    # to pass or start whole server stacks (marked "waits"). Those add about 20 s and prove
    # nothing about this machine that the template's CI has not proved for every combination;
    # the project's own `pytest` and CI run them.
    return [
        [python, "-m", f"{package}.keys", "dev"],
        [python, "-m", "pytest", "-q", "-m", QUICK_CHECK],
    ]


def pytest_summary(output: str, status: int, seconds: float) -> str:
    """The one-line verdict: PASS with the count, or FAIL with the reason."""
    # pytest's last line is its summary, e.g. "41 passed, 2 skipped in 3.07s".
    last_line = output.strip().splitlines()[-1] if output.strip() else ""
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", last_line)}
    passed = counts.get("passed", 0)
    if status == 0 and passed:
        skipped = f" ({counts['skipped']} skipped)" if counts.get("skipped") else ""
        return (
            f"PASS: {passed} tests passed in {seconds:.1f} s{skipped}: the quick check, "
            "without the tests that wait on purpose (run those with: pytest -m waits)"
        )
    if status == 5 or (status == 0 and not passed):
        return "FAIL: pytest found no tests to run in the generated project"
    if status == 124:
        return f"FAIL: the generated tests did not finish within {TESTS_TIMEOUT_SECONDS} s"
    return f"FAIL: the generated tests failed (pytest exit status {status}) after {seconds:.1f} s"


def print_install_failure(
    project: Path, package: str, commands: list[list[str]], reason: str
) -> None:
    commands = [*cd_command(project), *commands, *validation_commands(project, package)]
    print(
        "\nThe project was generated, but its dependencies could not be installed, so its tests "
        "have not run yet (are you offline, or is the package index unreachable?). The project "
        "is kept as it is. To install and test it later, run:\n"
        + "\n".join("    " + shlex.join(command) for command in commands)
        + f"\nWhat failed: {reason}\n",
        file=sys.stderr,
    )


def planned_install(project: Path) -> tuple[list[list[str]], str | None]:
    """(the install commands for this machine, why they cannot be worked out, or None)."""
    try:
        return install_commands(project, shutil.which("uv")), None
    except (ImportError, KeyError, StopIteration, ValueError) as error:
        # Only without uv, on Python < 3.11 (no tomllib) or with an unreadable pyproject.toml.
        return [["uv", "sync"]], f"pyproject.toml: {error!r}"


def install_and_test(project: Path, answers: dict) -> int:
    package = answers["package_name"]
    uv = shutil.which("uv")
    print(f"Installing {project.name} into .venv with {'uv' if uv else 'pip'}...", flush=True)
    commands, problem = planned_install(project)
    if problem:
        print_install_failure(project, package, commands, problem)
        return 0
    try:
        install(project, commands)
    except InstallFailed as failure:
        print_install_failure(project, package, commands, str(failure))
        return 0
    print("Running the generated tests (answer validate=false to skip this)...", flush=True)
    keys_command, tests_command = validation_commands(project, package)
    status, output = run(keys_command, project, KEYS_TIMEOUT_SECONDS)
    if status != 0:
        print(f"FAIL: {shlex.join(keys_command)} failed:\n{tail(output)}", file=sys.stderr)
        return fail(answers)
    started = time.monotonic()
    status, output = run(tests_command, project, TESTS_TIMEOUT_SECONDS)
    summary = pytest_summary(output, status, time.monotonic() - started)
    if summary.startswith("PASS"):
        print(summary)
        print(next_steps(project, package))
        return 0
    print(f"{summary}; last lines of its output:\n{tail(output)}", file=sys.stderr)
    return fail(answers)


def fail(answers: dict) -> int:
    template = shlex.quote(answers["_template"])
    print(
        "To keep the project and investigate (cookiecutter deletes it otherwise), run again "
        f"with: cookiecutter --replay --keep-project-on-failure {template}",
        file=sys.stderr,
    )
    return 1


# --- 4. what to do next ---------------------------------------------------------------------


def shown_path(project: Path, pwd: str | None) -> str | None:
    """The project's path as the person types it where they ran cookiecutter (None: right there).

    Cookiecutter runs this hook inside the project, after changing its own directory to the
    template's, so the shell's PWD (inherited unchanged) is the only trace of where the person
    was. Relative to it when the project lies inside it; absolute otherwise, and when there is
    no usable PWD (cookiecutter started by a program rather than a shell): always correct.
    """
    if pwd and os.path.isabs(pwd) and os.path.isdir(pwd):
        try:
            relative = project.resolve().relative_to(Path(pwd).resolve())
        except ValueError:
            pass
        else:
            return None if relative == Path() else str(relative)
    return str(project)


def cd_command(project: Path) -> list[list[str]]:
    where = shown_path(project, os.environ.get("PWD"))
    return [["cd", where]] if where else []


def dev_command(project: Path, package: str) -> list[str]:
    return [venv_bin(project, "python"), "-m", f"{package}.dev"]


def next_steps(project: Path, package: str) -> str:
    """After PASS: the one command that runs the app, typed from where cookiecutter ran."""
    command = " && ".join(
        shlex.join(c) for c in [*cd_command(project), dev_command(project, package)]
    )
    return (
        f"Next, run it with the local sgID emulator:\n    {command}\n"
        f"then open {DEV_URL} and log in as one of the emulator's test people "
        "(README.md: tests, real sgID, deployment)."
    )


def next_steps_uninstalled(project: Path, package: str) -> str:
    """With validate=false: install (which writes uv.lock), make the dev keys, run."""
    commands, _ = planned_install(project)
    keys = validation_commands(project, package)[0]
    lines = [*cd_command(project), *commands, keys, dev_command(project, package)]
    return (
        "Generated without installing or testing it (validate=false). Next, install it (this "
        "writes uv.lock and requirements-dev.txt), make its development keys and run it with "
        "the local sgID emulator:\n"
        + "\n".join("    " + shlex.join(line) for line in lines)
        + f"\nthen open {DEV_URL}."
    )


def rendered_answers() -> dict:
    """The answers, rendered into this file by cookiecutter."""
    # The answers arrive as JSON inside a raw string: tojson escapes every quote inside values
    # and never writes three quotes in a row, so no answer can end the string or inject code;
    # json.loads then restores the exact values.
    return json.loads(r"""{{ cookiecutter | tojson }}""")


def rendered_by_cruft(answers: dict) -> bool:
    """cruft calls cookiecutter's generate_files itself: _commit, and no _repo_dir."""
    return bool(answers.get("_commit")) and not answers.get("_repo_dir")


def main() -> int:
    answers = rendered_answers()
    project = Path.cwd()
    prune(project, answers["package_name"], answers["framework"], answers["session_store"])
    write_env_file(project, answers)
    write_env_example(project, answers)
    # cruft renders the template again on every diff and update, into scratch folders whose
    # files it compares and patches into the project: installing and testing those would be
    # slow and their .venv would be patched in. Under cruft the project is only rendered.
    if answers["validate"] and not rendered_by_cruft(answers):
        return install_and_test(project, answers)
    print(next_steps_uninstalled(project, answers["package_name"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
