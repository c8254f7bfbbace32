"""(3) The generated project's test suite per framework x store: wall time of the contract suite
(`pytest tests/contract`), of the quick check the generator's hook runs, and of the default run
(`pytest`, browser and scale-out tests excluded), each as its own pytest run.

    uv run python bench/suites.py [--frameworks flask] [--stores database,redis]
"""

import argparse
import re

from common import FRAMEWORKS, STORES, load, merged, project, save, timed

TARGET_S = 20
SLOWEST = 8  # the slowest test phases, kept as the profile of where the time goes
PYTEST = [".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
QUICK_CHECK = ["-m", "not browser and not scaleout and not waits"]  # as hooks/post_gen_project.py
RUNS = {
    "contract": ["tests/contract", f"--durations={SLOWEST}"],
    "quick": QUICK_CHECK,
    "whole": [],
}


def summary_of(stdout: str) -> str:
    found = re.findall(r"^=*\s*(\d+ (?:failed|passed|error).*?)\s*=*$", stdout, re.MULTILINE)
    return found[-1] if found else " ".join(stdout.strip().splitlines()[-1:])


def measure(framework: str, store: str) -> dict:
    path = project(framework, store)
    row = {"framework": framework, "store": store, "passed": True, "failures": []}
    for name, extra in RUNS.items():
        seconds, result = timed([*PYTEST, *extra], cwd=path, timeout=900)
        row[f"{name}_s"] = round(seconds, 1)
        row[f"{name}_summary"] = summary_of(result.stdout)
        if result.returncode != 0:
            row["passed"] = False
            row["failures"] += re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)
        if name == "contract":
            slowest = re.findall(
                r"^([\d.]+)s (setup|call|teardown)\s+(\S+)$", result.stdout, re.MULTILINE
            )
            row["slowest"] = [f"{s}s {phase} {test}" for s, phase, test in slowest]
    row["failures"] = row["failures"][:10]
    print(
        f"suite {framework}/{store}: contract {row['contract_s']} s, quick {row['quick_s']} s, "
        f"whole {row['whole_s']} s ({row['whole_summary']})",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args()
    before = load()
    rows = []
    for framework in args.frameworks.split(","):
        for store in args.stores.split(","):
            try:
                rows.append(measure(framework, store))
            except Exception as exc:  # one broken combination must not hide the others
                rows.append(
                    {"framework": framework, "store": store, "passed": False, "error": str(exc)}
                )
                print(f"suite {framework}/{store}: {exc}", flush=True)
    save(
        "suites",
        {
            "load_before": before,
            "load_after": load(),
            "target_s": TARGET_S,
            "rows": merged("suites", rows, ("framework", "store")),
        },
    )


if __name__ == "__main__":
    main()
