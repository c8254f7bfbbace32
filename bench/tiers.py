"""(6) The template's own test suite, wall time by tier, on this machine (`-n 2` as README says
for the 2-core machine: pytest-xdist runs two tests at a time).

    uv run python bench/tiers.py [--tiers fast,slow,browser]
"""

import argparse
import re

from common import ROOT, load, save, timed

TIERS = {
    "fast": ["-m", "not slow", "-n", "2"],
    "slow": ["-m", "slow and not browser", "-n", "2"],
    "browser": ["-m", "browser", "-n", "2"],
}
TIME_LIMIT_S = 3600


def measure(tier: str) -> dict:
    command = ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", *TIERS[tier]]
    seconds, result = timed(command, cwd=ROOT, timeout=TIME_LIMIT_S)
    summary = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?)\s*=*$", result.stdout, re.MULTILINE)
    row = {
        "tier": tier,
        "command": " ".join(command[:3] + [repr(a) if " " in a else a for a in TIERS[tier]]),
        "passed": result.returncode == 0,
        "wall_s": round(seconds, 1),
        "summary": summary[-1] if summary else result.stdout.strip().splitlines()[-1:],
    }
    if result.returncode != 0:
        row["failures"] = re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE)[:10]
    print(f"tier {tier}: {row['wall_s']} s, {row['summary']}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiers", default=",".join(TIERS))
    args = parser.parse_args()
    before = load()
    rows = [measure(tier) for tier in args.tiers.split(",")]
    save("tiers", {"load_before": before, "load_after": load(), "rows": rows})


if __name__ == "__main__":
    main()
