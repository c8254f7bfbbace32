"""Several app instances on one shared store behind a load balancer the tests play: each
request goes to the instance the test chooses; the public callback URL is nobody's."""

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.emulator import Emulator
from tests.support.http_client import Flow
from tests.support.servers import free_port, serve_app, stop, wait_for_app

PUBLIC_PORT = free_port()  # the load balancer's port in the callback URL; nothing listens there
PUBLIC_CALLBACK = f"http://127.0.0.1:{PUBLIC_PORT}/callback"


@dataclass
class Cluster:
    """App instances sharing one store, one SECRET_KEY and one public callback URL."""

    workdir: Path
    env: dict[str, str]
    emulator: Emulator
    store: object
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, count: int, workers: int = 2, **overrides: str) -> list[str]:
        started = []
        for _ in range(count):
            port = free_port()
            log = self.workdir / f"app-{port}.log"
            process = serve_app({**self.env, **overrides}, port, log, workers)
            self.processes.append(process)
            started.append((process, port, log))
        return [wait_for_app(process, port, log) for process, port, log in started]

    def stop_all(self) -> None:
        stop(*self.processes)


def on(instance_url: str, public_url: str) -> str:
    """The public URL, sent to one instance instead (what a load balancer does)."""
    return instance_url + public_url.split(f"127.0.0.1:{PUBLIC_PORT}", 1)[1]


def log_in_across(visitor, start_on: str, finish_on: str, persona: str | None = None):
    """Start a login on one instance and let the callback reach another; the callback response."""
    flow = Flow(start_on)
    callback = flow.authorize(visitor, flow.start(visitor), persona)
    assert callback.startswith(PUBLIC_CALLBACK), callback
    return visitor.get(on(finish_on, callback), allow_redirects=False, timeout=30)


def timed_get(visitor: requests.Session, url: str) -> tuple[requests.Response, float]:
    """GET url without following a redirect: the response, and how many seconds it took."""
    started = time.monotonic()
    response = visitor.get(url, allow_redirects=False, timeout=15)
    return response, time.monotonic() - started
