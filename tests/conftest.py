"""Fixtures shared by the template's own tests."""

import json
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parent.parent


def bake(output_dir: Path, accept_hooks: bool = False, **answers) -> Path:
    """Render the template with the given answers (hooks off by default: fast, nothing installed)."""
    return Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            output_dir=str(output_dir),
            accept_hooks=accept_hooks,
            extra_context={"validate": False, **answers},
        )
    )


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
    name = next(p.name for p in src.iterdir() if (p / "__init__.py").exists())
    return name
