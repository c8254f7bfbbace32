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


def run(command: list, cwd, expect: int = 0, **options) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, **options
    )
    assert result.returncode == expect, f"{command}: {result.stdout}{result.stderr}"
    return result


@pytest.mark.slow
def test_the_images_install_leaves_out_the_emulator_and_dev_says_so(bake_with_hooks, tmp_path):
    """The Dockerfile's install steps, run without Docker: only pyproject.toml, uv.lock,
    README.md and the app's package copied, then uv sync --locked --no-dev --no-editable. The app
    runs from that install; the emulator is not in it, and the dev command says so in one line
    (a non-editable install is the only way to meet that message)."""
    uv = shutil.which("uv")
    if not uv:
        missing("uv is not on PATH; the generated project builds with it")
    project = bake_with_hooks(tmp_path / "bake")
    package = project.name.replace("-", "_")
    run([uv, "lock"], cwd=project)
    image = tmp_path / "app"
    (image / "src").mkdir(parents=True)
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(project / name, image / name)
    shutil.copytree(project / "src" / package, image / "src" / package)
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    run([uv, "sync", "--locked", "--no-dev", "--no-editable"], cwd=image, env=env)
    python = str(image / ".venv" / "bin" / "python")

    # The installed app is complete: it makes the development keys, from the project's folder.
    run([python, "-m", f"{package}.keys", "dev"], cwd=project)
    found = run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('sgid_emulator'))"],
        cwd=tmp_path,
    )
    assert found.stdout.strip() == "None"

    dev = run([python, "-m", f"{package}.dev"], cwd=project, expect=2, timeout=60)
    lines = dev.stderr.strip().splitlines()
    assert len(lines) == 1, dev.stderr
    assert "the sgID emulator is not installed" in lines[0]
    assert "uv sync" in lines[0]
