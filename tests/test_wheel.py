"""The built wheel holds the app and nothing else: the sgID emulator, a development-only
package beside the app in src/, stays out by construction (the wheel lists one package)."""

import os
import shutil
import subprocess
import zipfile

import pytest


def missing(message: str) -> None:
    """Skip locally when a tool the test runs is missing; under CI, fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_the_wheel_holds_the_app_and_no_emulator(bake_with_hooks, tmp_path):
    uv = shutil.which("uv")
    if not uv:
        missing("uv is not on PATH; the generated project builds with it")
    project = bake_with_hooks(tmp_path / "bake")
    package = project.name.replace("-", "_")
    assert (project / "src" / "sgid_emulator" / "__main__.py").is_file()  # the dev setup has it

    result = subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist")],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    assert f"{package}/__init__.py" in names
    assert f"{package}/serve.py" in names
    assert f"{package}/sgid/catalog.py" in names
    assert not [n for n in names if "emulator" in n.lower()]
    assert not [n for n in names if n.endswith("personas.json")]
