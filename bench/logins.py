"""(4) Login performance per framework under its production server (2 workers), against the
emulator on the same machine, side by side with bench/baseline_rp.py (the official guide's way).

Complete logins: GET /login -> the emulator's authorize URL (auto-approve, 302) -> GET /callback
-> GET / showing the name. Reports logins/s, p50/p95 of /callback and of the whole login, and
the sgID calls per login counted by the emulator (GET /_emulator/state) after warm-up.

    uv run python bench/logins.py [--frameworks flask,django] [--store database]
                                  [--clients 4] [--rounds 3] [--seconds 10]
"""

import argparse
import multiprocessing
import tempfile
from pathlib import Path

from common import FRAMEWORKS, baseline_python, measure_each, project
from stack import SCOPES, Stack, drive, percentiles

TARGET_RATIO = 0.9
TARGET_CALLS = 2.0


def diff(after: dict, before: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after}


def side(name: str, runs: list[dict], counts: dict) -> dict:
    logins = sum(r["logins"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    callbacks = sorted(x for r in runs for x in r["callbacks"])
    whole = sorted(x for r in runs for x in r["login_times"])
    sgid = counts.get("token", 0) + counts.get("userinfo", 0) + counts.get("jwks", 0)
    return {
        "name": name,
        "logins": logins,
        "errors": sum(r["errors"] for r in runs),
        "first_errors": sorted({e for r in runs for e in r["first_errors"]})[:3],
        "seconds": round(seconds, 2),
        "logins_per_s": round(logins / seconds, 1) if seconds else 0,
        "callback_p50_ms": percentiles(callbacks)[0],
        "callback_p95_ms": percentiles(callbacks)[1],
        "login_p50_ms": percentiles(whole)[0],
        "login_p95_ms": percentiles(whole)[1],
        "counts": counts,
        "sgid_calls_per_login": round(sgid / logins, 3) if logins else None,
    }


def measure(framework: str, store: str, clients: int, rounds: int, seconds: float) -> dict:
    path = project(framework, store)
    baseline = str(baseline_python())  # its own environment: the projects have no sgid-client
    with tempfile.TemporaryDirectory() as tmp, Stack(path, Path(tmp)) as stack:
        free_port = stack.servers.free_port
        app_port, base_ports = free_port(), [free_port(), free_port()]
        stack.emulator([app_port, *base_ports])
        stack.app(app_port, store)
        for port in base_ports:
            stack.baseline(port, baseline)
        targets = {
            "app": [f"http://127.0.0.1:{app_port}"],
            # One client per baseline port: its sessions live in one worker's memory.
            "baseline": [f"http://127.0.0.1:{p}" for p in base_ports],
        }
        runs = {"app": [], "baseline": []}
        counts = {"app": {}, "baseline": {}}
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            for name, bases in targets.items():  # warm-up: imports, JWKS, connections
                warm = drive(pool, bases, clients, clients * 10, 30)
                if warm["errors"]:
                    raise RuntimeError(f"{name} warm-up failed: {warm['first_errors']}")
            for _ in range(rounds):  # alternate, so drifting load hits both alike
                for name, bases in targets.items():
                    before = stack.counts()
                    runs[name].append(drive(pool, bases, clients, 100_000, seconds))
                    for key, value in diff(stack.counts(), before).items():
                        counts[name][key] = counts[name].get(key, 0) + value
        app = side(framework, runs["app"], counts["app"])
        baseline = side("baseline", runs["baseline"], counts["baseline"])
    ratio = app["logins_per_s"] / baseline["logins_per_s"] if baseline["logins_per_s"] else 0
    print(
        f"logins {framework}/{store}: {app['logins_per_s']}/s vs baseline "
        f"{baseline['logins_per_s']}/s ({ratio:.2f}x); callback p50 {app['callback_p50_ms']} ms; "
        f"sgID calls/login {app['sgid_calls_per_login']}; errors {app['errors']}",
        flush=True,
    )
    return {
        "framework": framework,
        "store": store,
        "app": app,
        "baseline": baseline,
        "ratio": round(ratio, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--store", default="database")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    measure_each(
        "logins",
        args.frameworks.split(","),
        lambda framework: measure(framework, args.store, args.clients, args.rounds, args.seconds),
        clients=args.clients,
        rounds=args.rounds,
        seconds_per_round=args.seconds,
        scopes=SCOPES,
        target_ratio=TARGET_RATIO,
        target_calls=TARGET_CALLS,
    )


if __name__ == "__main__":
    main()
