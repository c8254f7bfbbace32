"""Render every supported combination with the hooks on (validate=false: nothing installed) and
check the output is clean, valid and lint-free, with only the chosen option's files."""

import json
import re
import stat
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
CATALOG = TEMPLATE["_scope_catalog"]

SCOPE_SETS = {
    "openid": "openid",
    "default": TEMPLATE["scopes"],
    "all": " ".join(CATALOG),
    "all-but-tables": " ".join(name for name, spec in CATALOG.items() if spec["kind"] != "table"),
}

# Which scope sets each session store is baked with. The cookie store cannot hold the JSON-list
# scopes (see _unsupported_combinations; tests/test_hooks.py checks that they are refused).
STORE_SCOPE_SETS = {
    "database": ["openid", "default", "all"],
    "redis": ["openid", "default", "all"],
    "cookie": ["openid", "default", "all-but-tables"],
}

MATRIX = [
    pytest.param((framework, store, scope_set), id=f"{framework}-{store}-{scope_set}")
    for framework in TEMPLATE["framework"]
    for store in TEMPLATE["session_store"]
    for scope_set in STORE_SCOPE_SETS[store]
]

STORE_ENV_VARIABLES = {"database": {"DATABASE_URL"}, "redis": {"REDIS_URL"}, "cookie": set()}
COMMON_ENV_VARIABLES = {
    "APP_ENV",
    "SECRET_KEY",
    "SGID_HOSTNAME",
    "SGID_CLIENT_ID",
    "SGID_CLIENT_SECRET",
    "SGID_PRIVATE_KEY_FILE",
    "SGID_REDIRECT_URI",
    "SGID_SCOPES",
}

# Any of these in rendered output means a variable or tag escaped rendering.
VARIABLES = "|".join(re.escape(key) for key in TEMPLATE if not key.startswith("__"))
LEFTOVER = re.compile(rf"\{{\{{-?\s*cookiecutter|\{{%|cookiecutter\.({VARIABLES})\b")


@pytest.fixture(scope="module")
def post_gen(load_hook):
    return load_hook("post_gen_project")


@pytest.fixture(scope="module", params=MATRIX)
def baked(request, bake_with_hooks, tmp_path_factory):
    framework, store, scope_set = request.param
    answers = {"framework": framework, "session_store": store, "scopes": SCOPE_SETS[scope_set]}
    output_dir = tmp_path_factory.mktemp(f"bake-{framework}-{store}-{scope_set}")
    project = bake_with_hooks(output_dir, **answers)
    return project, answers


def copied_without_render(relative: Path) -> bool:
    return any(fnmatch(str(relative), pattern) for pattern in TEMPLATE["_copy_without_render"])


# A README recipe's page template: Jinja on purpose, like the pages it joins (kept raw).
RECIPE_PAGE = re.compile(r"^<!-- recipe [^>]*\.html -->\n```[^\n]*\n.*?^```$", re.M | re.S)


def text_files(project: Path):
    """Every rendered text file, less the page templates a README recipe shows."""
    for path in sorted(project.rglob("*")):
        if path.is_file() and not copied_without_render(path.relative_to(project)):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary
            yield path, RECIPE_PAGE.sub("", text) if path.suffix == ".md" else text


def read_env(project: Path) -> dict[str, str]:
    lines = (project / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_nothing_is_left_unrendered(baked):
    project, _ = baked
    leftovers = [
        f"{path.relative_to(project)}: {match.group(0)}"
        for path, text in text_files(project)
        for match in LEFTOVER.finditer(text)
    ]
    assert leftovers == []


def test_every_python_file_compiles(baked):
    project, _ = baked
    for path in project.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_pyproject_parses(baked):
    project, _ = baked
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == project.name


def test_ruff_check_and_format_pass(baked):
    project, _ = baked
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_env_file_is_private_and_complete(baked):
    project, answers = baked
    env_file = project / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = read_env(project)
    assert set(values) == COMMON_ENV_VARIABLES | STORE_ENV_VARIABLES[answers["session_store"]]
    assert values["SGID_SCOPES"] == answers["scopes"]
    assert values["SGID_CLIENT_ID"] == f"{project.name}-dev"


def test_env_example_has_the_env_files_variables(baked):
    project, _ = baked
    lines = (project / ".env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    values = read_env(project)
    assert list(example) == list(values)
    assert example["SECRET_KEY"] == example["SGID_CLIENT_SECRET"] == "change-me"
    assert {name: example[name] for name in example if "SECRET" not in name} == {
        name: values[name] for name in values if "SECRET" not in name
    }


def chosen(keeping: dict | list[dict], answers: dict) -> bool:
    """Whether the answers keep a row's path: its condition, or any of its list of them."""
    conditions = keeping if isinstance(keeping, list) else [keeping]
    return any(
        all(answers[question] in choices for question, choices in condition.items())
        for condition in conditions
    )


def enclosing_folder(post_gen, path: str) -> tuple[dict, str]:
    """(the answers that keep the choice folder holding path, path once that folder moved)."""
    for source, keeping, kept_as in post_gen.CHOICE_PATHS:
        if kept_as is not None and path.startswith(source + "/"):
            return keeping, kept_as + path.removeprefix(source)
    return {}, path


def test_only_the_chosen_options_files_remain(baked, post_gen):
    project, answers = baked
    package = project.name.replace("-", "_")
    assert not (project / "src" / package / "_web").exists()
    assert not (project / "tests" / "_web").exists()
    assert (project / "src" / package / "web" / "__init__.py").is_file()
    for path, keeping, kept_as in post_gen.CHOICE_PATHS:
        assert not (project / path.format(package=package)).exists() or (
            kept_as is None and chosen(keeping, answers) and "/_" not in path
        ), path
        if kept_as is None:
            # A file in a framework's folder moved with it; kept only if that folder was.
            folder, final = enclosing_folder(post_gen, path)
            if chosen(folder, answers):
                kept = (project / final.format(package=package)).exists()
                assert kept == chosen(keeping, answers), path
    assert not [path for path in project.rglob("_*") if not path.name.startswith("__")]


def test_one_copy_of_the_pages_for_every_framework(baked):
    # Django renders the same Jinja templates as Flask and FastAPI (its Jinja2 backend).
    project, _ = baked
    package = project / "src" / project.name.replace("-", "_")
    pages = sorted(path.relative_to(package) for path in project.rglob("*.html"))
    assert [path.parent for path in pages] == [Path("pages/templates")] * len(pages)
    assert {path.name for path in pages} == {
        "base.html",
        "error.html",
        "home.html",
        "logged_out.html",
        "profile.html",
    }
    static = package / "pages" / "static"
    assert sorted(path.name for path in static.iterdir()) == ["app.css", "favicon.svg"]


# --- the prune table names real files; no Jinja in names or Python ----------------------------


def test_every_choice_path_exists_before_pruning(post_gen, bake_without_hooks, tmp_path):
    # Rendered with hooks off, so nothing is pruned: a typo in the table fails here.
    project = bake_without_hooks(tmp_path)
    package = project.name.replace("-", "_")
    for path, _, _ in post_gen.CHOICE_PATHS:
        assert (project / path.format(package=package)).exists(), path


def template_files():
    root = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    return [path for path in root.rglob("*") if "__pycache__" not in path.parts]


def test_no_template_file_name_holds_jinja_tags():
    assert [str(path) for path in template_files() if "{%" in path.name] == []


# --- names that are hard to quote -----------------------------------------------------------


def test_hostile_names_still_bake_valid_toml_and_python(bake_with_hooks, tmp_path):
    name = 'Ærø "Quote" \\ App'
    project = bake_with_hooks(
        tmp_path, project_name=name, project_slug="aero-app", package_name="aero_app"
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert name in pyproject["project"]["description"]
    for path in project.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    assert not any(LEFTOVER.search(text) for _, text in text_files(project))


def test_nothing_secret_is_committed(bake_with_hooks, tmp_path):
    project = bake_with_hooks(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    ignored = subprocess.run(
        ["git", "check-ignore", ".env", ".dev-keys/sgid-private.pem"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == [".env", ".dev-keys/sgid-private.pem"]


def test_the_matrix_covers_every_choice():
    combinations = {param.values[0][:2] for param in MATRIX}
    assert combinations == {
        (framework, store)
        for framework in TEMPLATE["framework"]
        for store in TEMPLATE["session_store"]
    }
