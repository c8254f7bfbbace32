"""Rendering the template with cookiecutter's Python API: the one `bake`.

Used by the template's tests (tests/conftest.py) and by the benchmarks (bench/common.py, which
loads this file by its path). It imports nothing from the tests, so it loads on its own.
"""

from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parent.parent


def bake(output_dir: Path, accept_hooks: bool = False, **answers) -> Path:
    """Render the template with these answers (validate=false unless given; hooks off by
    default: fast, installs nothing); returns the project directory."""
    return Path(
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            output_dir=str(output_dir),
            accept_hooks=accept_hooks,
            extra_context={"validate": False, **answers},
        )
    )
