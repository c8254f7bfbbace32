"""The servers a login benchmark needs, on loopback ports, started by the baked project's own
test support (tests/support), and the load generator that drives complete logins through them
as people's browsers do (each client with its own cookie jar)."""

import http.client
import statistics
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

from common import BENCH

PERSONA = "denise"  # ASCII name: the official SDK's userinfo fails on non-ASCII values
SCOPES = "openid myinfo.name"  # the official SDK's userinfo fails on openid-only logins
EXPECTED_NAME = b"DENISE TAN HUI MIN"


def support(project: Path):
    """The baked project's tests/support: the servers started as its own tests start them.

    Every baked project has the same tests/support, so the first one imported serves all.
    """
    # The project's root (tests/) and src/ (the app and the emulator, which the support imports:
    # which personas the app's accounts/access.py admits).
    for path in (str(project / "src"), str(project)):
        if path not in sys.path:
            sys.path.insert(0, path)
    from tests.support import emulator, servers

    return servers, emulator


@dataclass
class Stack:
    """Servers of one benchmark run; every process is stopped when the with-block ends."""

    project: Path
    workdir: Path
    processes: list = field(default_factory=list)
    emulator_url: str = ""

    def __post_init__(self):
        self.servers, self.emulator_support = support(self.project)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.servers.stop(*self.processes)

    @property
    def python(self) -> str:
        return str(self.project / ".venv" / "bin" / "python")

    def keys(self) -> tuple[Path, Path]:
        """The client's RSA-2048 key pair (private PEM, public PEM), made once per stack."""
        private, public = self.workdir / "client.pem", self.workdir / "client.pub.pem"
        if not private.exists():
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            public.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        return private, public

    def emulator(self, redirect_ports: list[int]) -> str:
        emulator = self.emulator_support.start_emulator(
            self.workdir,
            self.keys()[1],
            [f"http://127.0.0.1:{port}/callback" for port in redirect_ports],
            python=self.python,
            log=self.workdir / "emulator.log",
            quiet=True,
        )
        self.processes.append(emulator.process)
        self.emulator_url = emulator.base_url
        self.admin = emulator
        return self.emulator_url

    def sgid_env(self, port: int) -> dict[str, str]:
        """The app's environment of the project's tests, with this run's scopes."""
        callback = f"http://127.0.0.1:{port}/callback"
        return self.servers.app_environment(
            self.emulator_url, self.keys()[0], callback, SGID_SCOPES=SCOPES
        )

    def redis(self) -> str:
        port = self.servers.free_port()
        process = self.servers.spawn(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            self.workdir / "redis.log",
        )
        self.processes.append(process)
        time.sleep(0.3)
        return f"redis://127.0.0.1:{port}/0"

    def app(self, port: int, store: str, workers: int = 2):
        """The generated app under its production server (python -m <pkg>.serve)."""
        store_env = {}
        if store == "database":
            store_env["DATABASE_URL"] = f"sqlite:///{self.workdir / f'sessions-{port}.sqlite3'}"
        elif store == "redis":
            store_env["REDIS_URL"] = self.redis()
        env = {**self.sgid_env(port), **store_env}
        log = self.workdir / f"app-{port}.log"
        process = self.servers.serve_app(env, port, log, workers, python=self.python)
        self.processes.append(process)
        self.servers.wait_for_app(process, port, log)
        return process

    def baseline(self, port: int, python: str, key_once: bool = False):
        """bench/baseline_rp.py under gunicorn with one worker (its sessions are in memory),
        run by python (common.baseline_python: flask, gunicorn and sgid-client); key_once: the
        fair peer, its private key imported once."""
        fair = {"BASELINE_KEY_ONCE": "1"} if key_once else {}
        process = self.servers.spawn(
            [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            + ["--no-control-socket", "--chdir", str(BENCH), "baseline_rp:app"],
            self.workdir / f"baseline-{port}.log",
            cwd=self.workdir,
            env={**self.sgid_env(port), **fair},
        )
        self.processes.append(process)
        self.servers.wait_for_http(f"http://127.0.0.1:{port}/healthz", process, "the baseline")
        return process

    def counts(self) -> dict[str, int]:
        return self.admin.counts()


# --- the load generator: one process per client, http.client (cheap on the shared cores) ---


class LoadClient:
    """A cookie jar and one keep-alive connection per host (cheaper than requests)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.connections: dict[str, http.client.HTTPConnection] = {}

    def get(self, url: str) -> tuple[int, str, bytes]:
        parts = urlsplit(url)
        conn = self.connections.get(parts.netloc)
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            self.connections[parts.netloc] = conn
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in range(2):
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()  # a keep-alive connection the server had closed: reconnect once
                if attempt:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.getheader("Location", ""), body

    def close(self):
        for conn in self.connections.values():
            conn.close()


def login(base: str) -> float:
    """One complete login through the app at base; returns the /callback's latency."""
    client = LoadClient()
    try:
        status, location, _ = client.get(f"{base}/login")
        assert status == 302, f"/login answered {status}"
        status, callback, _ = client.get(location)
        assert status == 302, f"authorize answered {status}"
        started = time.perf_counter()
        status, location, _ = client.get(callback)
        latency = time.perf_counter() - started
        # 303 from the app (a GET after the callback); Flask's default 302 from the baseline.
        assert status in (302, 303), f"/callback answered {status}"
        status, _, body = client.get(f"{base}/")
        assert status == 200 and EXPECTED_NAME in body, f"/ answered {status} without the name"
        return latency
    finally:
        client.close()


def client_process(args) -> dict:
    """One client process: logins against base until count or the deadline."""
    base, count, deadline = args
    callbacks, logins, errors = [], [], []
    for _ in range(count):
        if time.time() > deadline:
            break
        started = time.perf_counter()
        try:
            callbacks.append(login(base))
            logins.append(time.perf_counter() - started)
        except (AssertionError, OSError, http.client.HTTPException) as exc:
            errors.append(str(exc)[:200])
    return {"callbacks": callbacks, "logins": logins, "errors": errors}


def drive(pool, bases: list[str], clients: int, count: int, seconds: float) -> dict:
    """count logins (at most seconds long) from clients processes; client i uses bases[i % n]."""
    per_client = -(-count // clients)
    deadline = time.time() + seconds
    started = time.perf_counter()
    jobs = [(bases[i % len(bases)], per_client, deadline) for i in range(clients)]
    parts = pool.map(client_process, jobs)
    elapsed = time.perf_counter() - started
    callbacks = sorted(x for p in parts for x in p["callbacks"])
    logins = sorted(x for p in parts for x in p["logins"])
    errors = [e for p in parts for e in p["errors"]]
    return {
        "logins": len(logins),
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "seconds": elapsed,
        "callbacks": callbacks,
        "login_times": logins,
    }


def page_client(args) -> list[float]:
    """One client: log in once, then GET the logged-in page on its kept-alive connection until
    the deadline; returns each page's latency in seconds."""
    base, page, deadline = args
    client = LoadClient()
    try:
        status, location, _ = client.get(f"{base}/login")
        status, callback, _ = client.get(location)
        status, _, _ = client.get(callback)
        assert status in (302, 303), f"/callback answered {status}"
        times = []
        while time.time() < deadline:
            started = time.perf_counter()
            status, _, body = client.get(f"{base}{page}")
            times.append(time.perf_counter() - started)
            assert status == 200 and EXPECTED_NAME in body, f"{page} answered {status}"
        return times
    finally:
        client.close()


def drive_pages(pool, bases: list[str], page: str, clients: int, seconds: float) -> list[float]:
    """Logged-in page latencies from clients processes (client i on bases[i % n]), sorted."""
    deadline = time.time() + seconds
    jobs = [(bases[i % len(bases)], page, deadline) for i in range(clients)]
    return sorted(x for times in pool.map(page_client, jobs) for x in times)


def tail(values: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    q = statistics.quantiles(values, n=100)
    return round(q[49] * 1000, 2), round(q[98] * 1000, 2)


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    if len(values) < 2:
        value = values[0] * 1000 if values else float("nan")
        return value, value
    q = statistics.quantiles(values, n=100)
    return round(q[49] * 1000, 1), round(q[94] * 1000, 1)
