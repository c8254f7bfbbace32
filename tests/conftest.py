"""Fixtures shared by the template's own tests."""

import importlib.util
import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from baking import TEMPLATE_DIR, bake
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config


@pytest.fixture(scope="session")
def catalog() -> dict:
    """The one scope catalog, as cookiecutter.json holds it."""
    return json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["_scope_catalog"]


@pytest.fixture(scope="session")
def baked_default(tmp_path_factory) -> Path:
    """A project rendered with the default answers, hooks off."""
    return bake(tmp_path_factory.mktemp("baked-default"))


@pytest.fixture(scope="session")
def generated_package(baked_default):
    """The default project's Python package, importable from the template's test environment."""
    src = baked_default / "src"
    sys.path.insert(0, str(src))
    name = next(p.name for p in src.iterdir() if (p / "sgid" / "catalog.py").exists())
    return name


# --- hooks: render them as cookiecutter would, and run cookiecutter with hooks on ----------

IGNORED_WHEN_COPYING = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "bench"
)


def cookiecutter_context(**answers) -> dict:
    """The context cookiecutter gives the hooks for these answers (defaults for the rest)."""
    context = generate_context(str(TEMPLATE_DIR / "cookiecutter.json"), extra_context=answers)
    context["_cookiecutter"] = {
        key: value for key, value in context["cookiecutter"].items() if not key.startswith("_")
    }
    context["cookiecutter"].update(prompt_for_config(context, no_input=True))
    context["cookiecutter"]["_template"] = str(TEMPLATE_DIR)
    context["cookiecutter"]["_repo_dir"] = str(TEMPLATE_DIR)
    return context


@pytest.fixture(scope="session")
def load_hook(tmp_path_factory):
    """load_hook("post_gen_project", **answers): the hook rendered for those answers, imported."""
    directory = tmp_path_factory.mktemp("rendered-hooks")
    count = itertools.count()

    def load(name: str, **answers) -> ModuleType:
        source = (TEMPLATE_DIR / "hooks" / f"{name}.py").read_text(encoding="utf-8")
        context = cookiecutter_context(**answers)
        rendered = StrictEnvironment(context=context, keep_trailing_newline=True).from_string(
            source
        )
        path = directory / f"{name}_{next(count)}.py"
        path.write_text(rendered.render(**context), encoding="utf-8")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def template_copy(tmp_path_factory) -> Path:
    """The template without its .venv, .git and caches.

    Cookiecutter copies the whole template directory before the pre_prompt hook; the template's
    own .venv would make every run with hooks slow. A clone from GitHub has none of these.
    """
    copy = tmp_path_factory.mktemp("template") / TEMPLATE_DIR.name
    shutil.copytree(TEMPLATE_DIR, copy, ignore=IGNORED_WHEN_COPYING)
    return copy


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory) -> Path:
    """A cookiecutter config that keeps replay files and clones out of the home directory."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'clones'}\nreplay_dir: {home / 'replay'}\n")
    return config


@pytest.fixture(scope="session")
def run_cookiecutter(template_copy, cookiecutter_config):
    """run_cookiecutter(output_dir, "key=value", ...): the CLI with hooks on and no prompts."""

    def run(
        output_dir: Path,
        *answers: str,
        no_input: bool = True,
        env: dict | None = None,
        timeout: float = 120,
    ):
        command = [
            sys.executable,
            "-m",
            "cookiecutter",
            str(template_copy),
            *(["--no-input"] if no_input else []),
            "--output-dir",
            str(output_dir),
            "--config-file",
            str(cookiecutter_config),
            *answers,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )

    return run


@pytest.fixture(scope="session")
def bake_with_hooks(template_copy, cookiecutter_config):
    """bake_with_hooks(output_dir, **answers): render with every hook, validate=false by default."""

    def bake_hooked(output_dir: Path, **answers) -> Path:
        return Path(
            cookiecutter(
                str(template_copy),
                no_input=True,
                output_dir=str(output_dir),
                config_file=str(cookiecutter_config),
                accept_hooks=True,
                extra_context={"validate": False, **answers},
            )
        )

    return bake_hooked


# Test modules cannot reliably `from conftest import ...` (tests/emulator has its own conftest),
# so the helpers above are also offered as fixtures.


@pytest.fixture(scope="session")
def bake_without_hooks():
    """bake(output_dir, **answers) with hooks off: nothing pruned, no .env."""
    return bake


@pytest.fixture(scope="session")
def hook_context():
    """hook_context(**answers): the context cookiecutter gives the hooks for these answers."""
    return cookiecutter_context
