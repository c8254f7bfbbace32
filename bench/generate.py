"""(2) Generate + self-validate with hooks on (validate=true), as a user runs it: the
cookiecutter command into a fresh output directory, so the hook creates a fresh .venv, installs
(package cache warm) and runs the generated tests. The uv path per framework, and the pip path
(uv hidden from PATH, so the hook falls back to venv + pip) beside it.

    uv run python bench/generate.py [--frameworks flask] [--no-pip]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FRAMEWORKS, ROOT, load, merged, project, save

TARGET_S = 20
PHASES = {"Installing ": "install", "Running the generated tests": "tests"}


def without_uv() -> str:
    """PATH minus every directory holding a uv executable."""
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep) if not Path(d, "uv").exists()]
    return os.pathsep.join(kept)


def clone(destination: Path) -> Path:
    """What a fresh clone holds: the files git tracks or would track (uncommitted work included)
    and .git, but no .venv, build/ or caches. cookiecutter copies the whole template directory
    to a temporary one before the pre-prompt hook runs, so a working copy's .venv would be
    copied on every bake and dominate the time."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    shutil.copytree(ROOT / ".git", destination / ".git")
    return destination


def bake_only(template: Path) -> float:
    """Seconds for the cookiecutter command with hooks on but validate=false."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "cookiecutter", str(template), "--no-input"]
        started = time.perf_counter()
        subprocess.run(
            [*command, "--output-dir", tmp, "validate=false"], capture_output=True, check=True
        )
        return round(time.perf_counter() - started, 2)


def generate(template: Path, framework: str, pip: bool) -> dict:
    env = {**os.environ, "PATH": without_uv()} if pip else dict(os.environ)
    if pip and shutil.which("uv", path=env["PATH"]):
        return {"framework": framework, "path": "pip", "error": "uv cannot be hidden from PATH"}
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "cookiecutter", str(template), "--no-input"]
        command += ["--output-dir", tmp, f"framework={framework}", "validate=true"]
        started = time.perf_counter()
        marks = {"render": 0.0}
        lines = []
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        ) as process:
            for line in process.stdout:  # timestamps of the hook's progress lines
                lines.append(line.rstrip())
                for prefix, phase in PHASES.items():
                    if line.startswith(prefix):
                        marks[phase] = time.perf_counter() - started
        total = time.perf_counter() - started
    bounds = [*marks.values(), total]
    phases = {name: round(bounds[i + 1] - bounds[i], 1) for i, name in enumerate(marks)}
    passed = process.returncode == 0 and any(line.startswith("PASS") for line in lines)
    row = {
        "framework": framework,
        "path": "pip" if pip else "uv",
        "passed": passed,
        "total_s": round(total, 1),
        "phases_s": phases,
        "summary": next((line for line in lines if line.startswith(("PASS", "FAIL"))), ""),
    }
    if not passed:
        row["tail"] = lines[-15:]
    print(f"generate {row['path']} {framework}: {row['total_s']} s {phases}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--no-pip", action="store_true", help="skip the (slow) pip path")
    args = parser.parse_args()
    frameworks = args.frameworks.split(",")
    before = load()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        template = clone(Path(tmp) / "sgid-template")
        # The pre-prompt hook's cost: cookiecutter copies the template directory first.
        bake_seconds = {"fresh clone": bake_only(template), "this working copy": bake_only(ROOT)}
        print(f"bake only (validate=false): {bake_seconds}", flush=True)
        for framework in frameworks:
            project(framework)  # the package cache is warm: this combination was installed once
            rows.append(generate(template, framework, pip=False))
        if not args.no_pip:
            rows.append(generate(template, frameworks[0], pip=True))
    save(
        "generate",
        {
            "load_before": before,
            "load_after": load(),
            "target_s": TARGET_S,
            "bake_only_s": bake_seconds,
            "rows": merged("generate", rows, ("framework", "path")),
        },
    )


if __name__ == "__main__":
    main()
