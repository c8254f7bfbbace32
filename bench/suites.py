"""(3) The generated project's test suite per framework x store: wall time of its default run
(`pytest`, browser tests excluded) and the contract suite's share of it (from JUnit times).

    uv run python bench/suites.py [--frameworks flask] [--stores database,redis]
"""

import argparse
import re
import tempfile
import xml.etree.ElementTree as ET  # noqa: N817 (parsing the JUnit report pytest just wrote)
from pathlib import Path

from common import FRAMEWORKS, STORES, load, merged, project, save, timed

TARGET_S = 20
SLOWEST = 8  # the slowest test phases, kept as the profile of where the time goes


def measure(framework: str, store: str) -> dict:
    path = project(framework, store)
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        seconds, result = timed(
            [".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            + [f"--junitxml={junit}", f"--durations={SLOWEST}"],
            cwd=path,
            timeout=900,
        )
        contract_s, contract_n = 0.0, 0
        if junit.exists():
            for case in ET.parse(junit).iter("testcase"):  # noqa: S314 (our own file)
                if case.get("classname", "").startswith("tests.contract"):
                    contract_s += float(case.get("time", 0))
                    contract_n += 1
    summary = re.findall(
        r"^=*\s*(\d+ (?:failed|passed|error).*?)\s*=*$", result.stdout, re.MULTILINE
    )
    slowest = re.findall(r"^([\d.]+)s (setup|call|teardown)\s+(\S+)$", result.stdout, re.MULTILINE)
    row = {
        "slowest": [f"{s}s {phase} {test}" for s, phase, test in slowest],
        "framework": framework,
        "store": store,
        "passed": result.returncode == 0,
        "summary": summary[-1] if summary else result.stdout.strip().splitlines()[-1:],
        "wall_s": round(seconds, 1),
        "contract_s": round(contract_s, 1),
        "contract_tests": contract_n,
    }
    if result.returncode != 0:
        row["failures"] = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)[:10]
    print(f"suite {framework}/{store}: {row['wall_s']} s, {row['summary']}", flush=True)
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
