"""Emulator throughput: complete sgID logins per second (authorize -> token -> userinfo).

Starts one emulator process in auto-approve mode and drives complete logins from several
client processes (threads would fight the load generator's own GIL), each on one keep-alive
connection. Prints logins/s and per-login latency percentiles.

    uv run python bench/emulator_throughput.py [--workers 4] [--logins 3000] [--seconds 30]

The emulator lives inside the cookiecutter template directory, so the script assembles a tiny
importable src/ from it in a temporary directory (the emulator with the app package's name filled
in, and the catalog with its scopes.json rendered from cookiecutter.json) rather than baking a
whole project.
"""

import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from common import ROOT, template_module

# The emulator tests' helpers: the client's flags, the token request and the start-up.
emuhelp = template_module("tests/emulator/emuhelp.py")
SRC = ROOT / "{{cookiecutter.project_slug}}" / "src"
SGID = SRC / "{{cookiecutter.package_name}}" / "sgid"
PACKAGE = "sgid_bench"
EMULATOR = emuhelp.EMULATOR


def build_package(tmp: Path) -> Path:
    src = tmp / "src"
    sgid = src / PACKAGE / "sgid"
    shutil.copytree(SRC / EMULATOR, src / EMULATOR, ignore=shutil.ignore_patterns("__pycache__"))
    for module in (src / EMULATOR).glob("*.py"):  # it imports the catalog by the app's name
        text = module.read_text(encoding="utf-8")
        module.write_text(text.replace("{{ cookiecutter.package_name }}", PACKAGE), "utf-8")
    sgid.mkdir(parents=True)
    shutil.copy(SGID / "catalog.py", sgid / "catalog.py")
    (src / PACKAGE / "__init__.py").write_text("")
    (sgid / "__init__.py").write_text("")
    catalog = json.loads((ROOT / "cookiecutter.json").read_text())["_scope_catalog"]
    (sgid / "scopes.json").write_text(json.dumps(catalog))
    return src


def client_key(tmp: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp / "client.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def worker(args) -> list[float]:
    host, port, count, deadline, scope = args
    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies = []
    for _ in range(count):
        if time.time() > deadline:
            break
        started = time.perf_counter()
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": emuhelp.CLIENT_ID,
                "redirect_uri": emuhelp.REDIRECT_URI,
                "scope": scope,
                "state": "s",
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        conn.request("GET", "/v2/oauth/authorize?" + query)
        r = conn.getresponse()
        r.read()
        assert r.status == 302, r.status
        code = parse_qs(urlsplit(r.getheader("Location")).query)["code"][0]
        body = urlencode(emuhelp.token_form(code, verifier))
        conn.request(
            "POST", "/v2/oauth/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        r = conn.getresponse()
        token = json.loads(r.read())
        assert r.status == 200, token
        conn.request(
            "GET",
            "/v2/oauth/userinfo",
            headers={"Authorization": "Bearer " + token["access_token"]},
        )
        r = conn.getresponse()
        info = json.loads(r.read())
        assert r.status == 200 and "key" in info, info
        latencies.append(time.perf_counter() - started)
    conn.close()
    return latencies


def measure(workers: int, logins: int, seconds: float, scope: str) -> dict:
    """Start an emulator, drive logins through it, stop it; returns the figures."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        src = build_package(tmp)
        key = client_key(tmp)
        started = time.perf_counter()
        emu = emuhelp.start_emulator(
            src, *emuhelp.emulator_args(str(key)), "--quiet", "--auto-approve", "denise"
        )
        try:
            startup = time.perf_counter() - started
            base = urlsplit(emu.base_url)
            per_worker = -(-logins // workers)
            deadline = time.time() + seconds
            worker(("127.0.0.1", base.port, 20, deadline, scope))  # warm-up
            t0 = time.perf_counter()
            with multiprocessing.Pool(workers) as pool:
                results = pool.map(
                    worker,
                    [(base.hostname, base.port, per_worker, deadline, scope)] * workers,
                )
            elapsed = time.perf_counter() - t0
        finally:
            emu.stop()
    latencies = sorted(x for r in results for x in r)
    q = statistics.quantiles(latencies, n=100)
    return {
        "workers": workers,
        "scope": scope,
        "startup_ms": round(startup * 1000),
        "logins": len(latencies),
        "seconds": round(elapsed, 2),
        "logins_per_s": round(len(latencies) / elapsed),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--logins", type=int, default=3000, help="total logins (default 3000)")
    parser.add_argument("--seconds", type=float, default=30, help="stop after this long")
    parser.add_argument("--scope", default="openid myinfo.name myinfo.email")
    args = parser.parse_args()
    r = measure(args.workers, args.logins, args.seconds, args.scope)
    print(
        f"machine: nproc={os.cpu_count()} python={platform.python_version()} {platform.machine()}"
    )
    print(f"emulator start-up (spawn to listening line): {r['startup_ms']} ms")
    print(
        f"{r['logins']} logins ({args.scope!r}) with {args.workers} client processes "
        f"in {r['seconds']:.2f} s"
    )
    print(f"throughput: {r['logins_per_s']} logins/s")
    print(f"latency per login: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
