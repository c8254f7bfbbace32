"""Several instances of the app on one shared session store, as behind a load balancer.

Each test module gets its own store server (Redis, or PostgreSQL for the database store), its
own emulator and its own app instances, so tests may stop the store without disturbing the
rest of the suite. The instances share SECRET_KEY and the public callback URL; nothing listens
on that URL: the tests play the load balancer and send each request to the instance they choose.
"""

import pytest

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE

from tests.support.cluster import PUBLIC_CALLBACK, Cluster
from tests.support.emulator import Emulator, start_emulator
from tests.support.servers import app_environment
from tests.support.stores import shared_store, stop_and_remove


@pytest.fixture(scope="module")
def store():
    server = shared_store(SESSION_STORE)
    if server is not None:
        server.start()
    yield server
    stop_and_remove(server)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, key_files) -> Emulator:
    workdir = tmp_path_factory.mktemp("scaleout-emulator")
    emulator = start_emulator(workdir, key_files[1], [PUBLIC_CALLBACK])
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, key_files, emulator, store):
    workdir = tmp_path_factory.mktemp("scaleout")
    # sgID's timeouts are production's: these tests load the machine, and time nothing of
    # sgID's but test_sgid_outage.py, which sets its own.
    # Abandoned logins expire within seconds, so the store's size is seen to stay bounded.
    env = app_environment(
        emulator.base_url,
        key_files[0],
        PUBLIC_CALLBACK,
        SGID_SCOPES=DEFAULT_SCOPES,
        LOGIN_TTL_SECONDS="5",
        **(store.env if store is not None else {}),
    )
    cluster = Cluster(workdir, env, emulator, store)
    yield cluster
    cluster.stop_all()


@pytest.fixture(scope="module")
def pair(cluster) -> list[str]:
    """Two instances of the app on the module's store."""
    return cluster.start(2)
