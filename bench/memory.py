"""(5) Memory: RSS of each worker of the production server (2 workers) after 1,000 and after
5,000 complete logins from 8 concurrent clients (VmRSS from /proc), per framework.

    uv run python bench/memory.py [--frameworks flask] [--store database] [--logins 1000,5000]
                                  [--clients 8]
"""

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

from common import FRAMEWORKS, children, measure_each, private_mb, project, rss_mb
from stack import Stack, drive

TARGET_MB = 80
TARGET_GROWTH_MB = 5  # what we call flat between the two checkpoints, per worker
TIME_LIMIT_S = 600  # per checkpoint: a bound, not an expectation


def settled(workers: list[int], seconds: float = 20) -> list[float]:
    """The workers' RSS once it stops changing: the app answering /healthz means one worker is
    up, and the other (uvicorn's spawned ones especially) may still be importing."""
    deadline, last = time.monotonic() + seconds, None
    while True:
        rss = [round(rss_mb(pid), 1) for pid in workers]
        if rss == last or time.monotonic() > deadline:
            return rss
        last = rss
        time.sleep(1)


def measure(framework: str, store: str, checkpoints: list[int], clients: int) -> dict:
    path = project(framework, store)
    with tempfile.TemporaryDirectory() as tmp, Stack(path, Path(tmp)) as stack:
        port = stack.servers.free_port()
        stack.emulator([port])
        server = stack.app(port, store)
        workers = children(server.pid)
        rows, done = [], 0
        after_start = settled(workers)
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            for checkpoint in checkpoints:
                result = drive(
                    pool, [f"http://127.0.0.1:{port}"], clients, checkpoint - done, TIME_LIMIT_S
                )
                done += result["logins"]
                # A worker that died and was replaced would start small again and hide growth.
                if children(server.pid) != workers:
                    raise RuntimeError(f"workers {workers} replaced by {children(server.pid)}")
                rss = [round(rss_mb(pid), 1) for pid in workers]
                private = [round(private_mb(pid), 1) for pid in workers]
                rows.append(
                    {
                        "logins": done,
                        "errors": result["errors"],
                        "rss_mb": rss,
                        "private_mb": private,
                        "seconds": round(result["seconds"], 1),
                    }
                )
                print(f"memory {framework}/{store}: after {done} logins RSS {rss} MB", flush=True)
    growth = [round(b - a, 1) for a, b in zip(rows[0]["rss_mb"], rows[-1]["rss_mb"], strict=True)]
    return {
        "framework": framework,
        "store": store,
        "workers": len(workers),
        "after_start_mb": after_start,
        "checkpoints": rows,
        "growth_mb": growth,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--store", default="database")
    parser.add_argument("--logins", default="1000,5000", help="checkpoints, ascending")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    checkpoints = [int(x) for x in args.logins.split(",")]
    measure_each(
        "memory",
        args.frameworks.split(","),
        lambda framework: measure(framework, args.store, checkpoints, args.clients),
        clients=args.clients,
        target_mb=TARGET_MB,
        target_growth_mb=TARGET_GROWTH_MB,
    )


if __name__ == "__main__":
    main()
