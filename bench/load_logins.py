"""Load: complete logins at a fixed concurrency against two instances on one shared store.

For each framework on Redis and on PostgreSQL, bakes a project and runs its own load test
(tests/scaleout/test_load.py) with many more logins than the suite's 100: every virtual user
starts on one instance, finishes on the other, checks it sees its own persona and logs out;
every tenth abandons its login. Figures go to bench/results/load_logins.json and a table is
printed (docs/scale-out.md quotes it).

    uv run python bench/load_logins.py [--logins 2000] [--concurrency 16] [--only flask-redis]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import bake

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load_logins.json"
COMBINATIONS = [
    (framework, store, "postgresql" if store == "database" else store)
    for framework in ("flask", "fastapi", "django")
    for store in ("redis", "database")
]


def baked(work: Path, framework: str, store: str) -> Path:
    out = work / f"{framework}-{store}"
    project = out / "sgid-app"
    if not (project / ".venv" / "bin" / "python").exists():
        shutil.rmtree(out, ignore_errors=True)
        bake(out, accept_hooks=True, framework=framework, session_store=store)
        subprocess.run(["uv", "sync", "-q", "--compile-bytecode"], cwd=project, check=True)
    return project


def run(project: Path, logins: int, concurrency: int, report: Path) -> dict:
    env = {
        **os.environ,
        "TEST_DATABASE": "postgresql",
        "SCALEOUT_LOGINS": str(logins),
        "SCALEOUT_CONCURRENCY": str(concurrency),
        "SCALEOUT_REPORT": str(report),
    }
    result = subprocess.run(
        [project / ".venv" / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["-m", "scaleout", "tests/scaleout/test_load.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    figures = json.loads(report.read_text()) if report.exists() else {}
    figures["passed"] = result.returncode == 0
    if result.returncode != 0:
        print(result.stdout[-3000:], file=sys.stderr)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", help="one combination, e.g. flask-redis or django-postgresql")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sgid-load")
    args = parser.parse_args()
    rows = []
    for framework, store, name in COMBINATIONS:
        if args.only and args.only != f"{framework}-{name}":
            continue
        project = baked(args.work, framework, store)
        report = args.work / f"{framework}-{name}.json"
        report.unlink(missing_ok=True)
        figures = {"framework": framework, **run(project, args.logins, args.concurrency, report)}
        rows.append(figures)
        print(json.dumps(figures), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    RESULTS.write_text(json.dumps({"machine": machine, "runs": rows}, indent=2) + "\n")
    print(f"\n{machine}; two instances x 2 workers each, one emulator, one store\n")
    print(
        "| framework | store | logins | errors | mix-ups | logins/s | p50 ms | p95 ms "
        "| store max | after | after login TTL |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['framework']} | {r.get('store')} | {r.get('completed')} | {r.get('errors')} "
            f"| {r.get('mixups')} | {r.get('logins_per_second')} | {r.get('p50_ms')} "
            f"| {r.get('p95_ms')} | {r.get('store_size_max')} | {r.get('store_size_after')} "
            f"| {r.get('store_size_after_login_ttl')} |"
        )
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
