"""Complete logins at a fixed concurrency against two instances on one store.

Each virtual user starts a login on one instance, finishes it on the other, checks that the page
shows its own persona, and logs out; one more user in ten only starts a login and walks away.
No errors, no mix-ups, and the store holds only what is still live (abandoned logins expire).

The suite runs a short version; bench/load_logins.py in the template runs 2,000 logins with
SCALEOUT_LOGINS=2000 and reads the figures from SCALEOUT_REPORT (a JSON file).
"""

import html
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE

from tests.support.cluster import on
from tests.support.emulator import DEFAULT_PERSONA, admitted, personas
from tests.support.http_client import Flow
from tests.support.stores import PostgresServer, RedisServer

pytestmark = pytest.mark.scaleout
LOGINS = int(os.environ.get("SCALEOUT_LOGINS", "100"))
CONCURRENCY = int(os.environ.get("SCALEOUT_CONCURRENCY", "8"))
ABANDONED = LOGINS // 10
# Names without characters HTML escapes; those accounts/access.py admits.
PERSONAS = [p for p in ("denise", "ahmad", "wei", "mary") if admitted(p)] or [DEFAULT_PERSONA]
LOGIN_TTL = 5  # the cluster's LOGIN_TTL_SECONDS


class VirtualUsers:
    def __init__(self, urls: list[str]):
        self.urls = urls
        self.names = {p: personas()[p]["data"]["myinfo.name"] for p in PERSONAS}
        self.shows_names = "myinfo.name" in DEFAULT_SCOPES.split()
        self.errors: list[str] = []
        self.mixups = 0
        self.seconds: list[float] = []
        self.lock = threading.Lock()

    def run(self, job: tuple[int, bool]) -> None:
        number, abandon = job
        start_on, finish_on = self.urls[number % 2], self.urls[(number + 1) % 2]
        persona = PERSONAS[number % len(PERSONAS)]
        visitor = requests.Session()
        started = time.monotonic()
        try:
            flow = Flow(start_on)
            authorize_url = flow.start(visitor)
            if abandon:
                return  # walks away: the login must expire from the store
            callback = flow.authorize(visitor, authorize_url, persona)
            response = visitor.get(on(finish_on, callback), allow_redirects=False, timeout=30)
            if response.status_code != 303:
                raise AssertionError(f"callback answered {response.status_code}")
            page = visitor.get(f"{start_on}/", timeout=30).text
            if "Log out" not in page:
                raise AssertionError("not logged in after the callback")
            if self.shows_names and (
                html.escape(self.names[persona]) not in page
                or any(html.escape(n) in page for p, n in self.names.items() if p != persona)
            ):
                with self.lock:
                    self.mixups += 1
            token = Flow(finish_on).csrf_token(visitor)
            response = visitor.post(
                f"{finish_on}/logout", data={"csrf_token": token}, allow_redirects=False
            )
            if response.status_code != 303 or Flow(start_on).is_logged_in(visitor):
                raise AssertionError("logout did not end the session")
            with self.lock:
                self.seconds.append(time.monotonic() - started)
        except Exception as exc:  # every failure counts, whatever it is
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            visitor.close()


def test_logins_at_fixed_concurrency_on_two_instances(pair, cluster):
    users = VirtualUsers(pair)
    jobs = []  # False: a whole login; True, after every tenth: an abandoned one
    for number in range(LOGINS):
        jobs += [False, True] if number % 10 == 9 else [False]
    store_sizes = []
    done = threading.Event()

    def sample_store() -> None:
        while cluster.store is not None and not done.wait(0.5):
            store_sizes.append(cluster.store.size())

    sampler = threading.Thread(target=sample_store)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(users.run, enumerate(jobs)))
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    size_after = cluster.store.size() if cluster.store is not None else 0
    time.sleep(LOGIN_TTL + 1)
    size_later = cluster.store.size() if cluster.store is not None else 0

    completed = len(users.seconds)
    report = {
        "store": "postgresql" if isinstance(cluster.store, PostgresServer) else SESSION_STORE,
        "logins": LOGINS,
        "completed": completed,
        "abandoned": ABANDONED,
        "concurrency": CONCURRENCY,
        "errors": len(users.errors),
        "mixups": users.mixups,
        "seconds": round(elapsed, 2),
        "logins_per_second": round(completed / elapsed, 1),
        "p50_ms": round(statistics.median(users.seconds) * 1000) if users.seconds else None,
        "p95_ms": round(statistics.quantiles(users.seconds, n=20)[-1] * 1000)
        if len(users.seconds) > 1
        else None,
        "store_size_max": max(store_sizes, default=0),
        "store_size_after": size_after,
        "store_size_after_login_ttl": size_later,
    }
    if os.environ.get("SCALEOUT_REPORT"):
        with open(os.environ["SCALEOUT_REPORT"], "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    print(json.dumps(report))

    assert users.errors == [], users.errors[:5]
    assert users.mixups == 0
    assert completed == LOGINS
    # Logged-out users leave nothing behind; at most the abandoned logins remain for a while.
    assert size_after <= ABANDONED
    if isinstance(cluster.store, RedisServer):
        assert size_later == 0  # expired with the login's lifetime, not the session's
    # SQL has no TTL: expired rows are unreadable at once and deleted every 100 writes.
