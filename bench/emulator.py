"""The emulator's own throughput (bench/emulator_throughput.py) at 2, 4 and 8 client processes,
saved for docs/benchmarks.md.

    uv run python bench/emulator.py [--logins 3000] [--seconds 30]
"""

import argparse

from common import load, save
from emulator_throughput import measure

TARGET_PER_S = 200
SCOPE = "openid myinfo.name myinfo.email"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    before = load()
    rows = []
    for workers in (2, 4, 8):
        rows.append(measure(workers, args.logins, args.seconds, SCOPE))
        print(f"emulator with {workers} clients: {rows[-1]['logins_per_s']} logins/s", flush=True)
    save(
        "emulator",
        {"load_before": before, "load_after": load(), "target_per_s": TARGET_PER_S, "rows": rows},
    )


if __name__ == "__main__":
    main()
