"""(1) Render time per framework x store, hooks off: cookiecutter's own work, in-process.

uv run python bench/render.py [--repeat 5]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import FRAMEWORKS, STORES, bake, load, save

TARGET_S = 0.5


def measure(repeat: int) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bake(Path(tmp) / "warm-up", accept_hooks=False)  # Jinja's first-use costs, once
        for framework in FRAMEWORKS:
            for store in STORES:
                times = []
                for i in range(repeat):
                    out = Path(tmp) / f"{framework}-{store}-{i}"
                    started = time.perf_counter()
                    bake(out, accept_hooks=False, framework=framework, session_store=store)
                    times.append(time.perf_counter() - started)
                    shutil.rmtree(out)
                rows.append(
                    {
                        "framework": framework,
                        "store": store,
                        "median_s": round(statistics.median(times), 3),
                        "max_s": round(max(times), 3),
                    }
                )
                print(f"render {framework}/{store}: median {rows[-1]['median_s']} s", flush=True)
    return {"repeat": repeat, "target_s": TARGET_S, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    before = load()
    data = measure(args.repeat)
    save("render", {"load_before": before, "load_after": load(), **data})


if __name__ == "__main__":
    main()
