"""Run every benchmark and write docs/benchmarks.md from the results: one command.

    uv run python bench/run_all.py            # the full run (tens of minutes; the pip path and
                                              # the template's slow test tiers take longest)
    uv run python bench/run_all.py --quick    # smoke run with small counts (a few minutes)
    uv run python bench/run_all.py --only logins,memory   # some of them; the others' last
                                                          # results stay in the document

Each benchmark is its own script (bench/<name>.py, runnable alone) writing
bench/results/<name>.json; bench/report.py turns all results into docs/benchmarks.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH, FRAMEWORKS, load, machine, save, versions

# (script, full-run arguments, quick-run arguments), in the order they run: the package cache
# is warm for generate.py because suites.py installed every combination first.
STEPS = {
    "render": (["--repeat", "5"], ["--repeat", "1"]),
    "suites": ([], ["--frameworks", "flask", "--stores", "database"]),
    "generate": ([], ["--frameworks", "flask", "--no-pip"]),
    "logins": (["--rounds", "3", "--seconds", "10"], ["--rounds", "1", "--seconds", "2"]),
    "memory": (["--logins", "1000,5000"], ["--logins", "50,100"]),
    "emulator": (["--logins", "3000", "--seconds", "30"], ["--logins", "300", "--seconds", "3"]),
    "tiers": ([], ["--tiers", "fast"]),
}
TAKES_FRAMEWORKS = {"suites", "generate", "logins", "memory"}
VERSIONS_OF = [
    "flask",
    "werkzeug",
    "flask-session",
    "fastapi",
    "starlette",
    "uvicorn",
    "h11",
    "django",
    "gunicorn",
    "sqlalchemy",
    "redis",
    "jwcrypto",
    "cryptography",
    "urllib3",
    "certifi",
    "requests",
    "pytest",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(STEPS)}")
    parser.add_argument("--frameworks", help="comma-separated subset (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the baked projects")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(STEPS)
    unknown = set(chosen) - set(STEPS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    work = Path(tempfile.mkdtemp(prefix="sgid-bench-"))
    env = {**os.environ, "BENCH_WORK": str(work), "BENCH_MODE": "quick" if args.quick else "full"}
    failed = []
    started, load_before = time.time(), load()
    try:
        for name in chosen:
            step_args = list(STEPS[name][1 if args.quick else 0])
            if args.frameworks and name in TAKES_FRAMEWORKS:
                step_args = [a for a in step_args if a not in FRAMEWORKS and a != "--frameworks"]
                step_args += ["--frameworks", args.frameworks]
            print(f"== {name} {' '.join(step_args)}", flush=True)
            result = subprocess.run(
                [sys.executable, str(BENCH / f"{name}.py"), *step_args], env=env, check=False
            )
            if result.returncode != 0:
                failed.append(name)
        installed = {}
        for venv_python in sorted(work.glob("projects/*/sgid-app/.venv/bin/python")):
            installed.update(versions(venv_python, VERSIONS_OF))
        if installed or not (BENCH / "results" / "machine.json").exists():
            save(
                "machine",
                {
                    **machine(),
                    "packages": installed,
                    "load_before": load_before,
                    "load_after": load(),
                    "minutes": round((time.time() - started) / 60, 1),
                    "mode": env["BENCH_MODE"],
                },
            )
    finally:
        if args.keep:
            print(f"baked projects kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    subprocess.run([sys.executable, str(BENCH / "report.py")], check=True)
    if failed:
        print(f"failed: {', '.join(failed)} (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
