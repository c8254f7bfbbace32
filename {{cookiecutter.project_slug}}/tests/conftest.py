"""Fixtures: real servers on loopback ports, the sgID emulator, the session store and the app.

The app runs under its production server (python -m {{ cookiecutter.package_name }}.serve), the
emulator as its own process, and tests talk to both over HTTP as a person's browser would. The
helpers behind these fixtures are in tests/support/.
"""

from pathlib import Path

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE
from {{ cookiecutter.package_name }}.keys import write_key_pair

from tests.support.emulator import Emulator, start_emulator, write_test_personas
from tests.support.http_client import Flow
from tests.support.instances import INSTANCES, SGID_LIMITS, Instances, instances_needed
from tests.support.servers import app_environment, free_port, serve_app, stop, wait_for_app
from tests.support.stores import (
    PostgresServer,
    RedisServer,
    SqliteVersion,
    stop_and_remove,
    suite_store,
)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("contract")


@pytest.fixture(scope="session")
def key_files(workdir) -> tuple[Path, Path]:
    return write_key_pair(workdir / "keys")


@pytest.fixture(scope="session")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def extra_app_ports() -> dict[str, int]:
    return {name: free_port() for name in INSTANCES}


@pytest.fixture(scope="session")
def emulator(workdir, key_files, app_port, extra_app_ports) -> Emulator:
    """The emulator, with the callback URL of the app and of every other instance registered,
    and the tests' large personas beside the built-in ones."""
    ports = [app_port, *extra_app_ports.values()]
    emulator = start_emulator(
        workdir,
        key_files[1],
        [f"http://127.0.0.1:{port}/callback" for port in ports],
        personas_file=write_test_personas(workdir / "personas.json"),
    )
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def _reset_emulator(request):
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").admin("POST", "reset")


@pytest.fixture(scope="session")
def store_server() -> RedisServer | PostgresServer | None:
    """The suite's store server, running; None for SQLite and the cookie store."""
    server = suite_store(SESSION_STORE)
    if server is not None:
        server.start()
    yield server
    stop_and_remove(server)


@pytest.fixture(scope="session")
def store_env(workdir, store_server) -> dict[str, str]:
    """Environment variables pointing the app at a fresh session store."""
    if store_server is None:
        sqlite = {"DATABASE_URL": f"sqlite:///{workdir / 'sessions.sqlite3'}"}
        return sqlite if SESSION_STORE == "database" else {}
    return store_server.env


@pytest.fixture
def store_version(app_url, store_env, store_server):
    """A function whose value changes whenever the app writes to its session store: Redis's
    count of writing commands, PostgreSQL's row versions, SQLite's data_version. None for the
    cookie store, which keeps nothing on the server (its writes are Set-Cookie headers)."""
    if store_server is not None:
        yield store_server.version
    elif SESSION_STORE == "database":
        version = SqliteVersion(store_env["DATABASE_URL"].removeprefix("sqlite:///"))
        yield version
        version.close()
    else:
        yield None


@pytest.fixture(scope="session")
def app_env(emulator, key_files, app_port, store_env) -> dict[str, str]:
    return app_environment(
        emulator.base_url,
        key_files[0],
        f"http://127.0.0.1:{app_port}/callback",
        SGID_SCOPES=DEFAULT_SCOPES,
        **SGID_LIMITS,
        **store_env,
    )


@pytest.fixture(scope="session")
def instances(workdir, app_env, extra_app_ports) -> Instances:
    """Logs to workdir/app-<port>.log; the callback URLs are registered with the emulator."""
    instances = Instances(workdir, app_env, extra_app_ports)
    yield instances
    stop(*instances.processes.values())


@pytest.fixture(scope="session")
def app_url(request, workdir, app_env, app_port, instances) -> str:
    # The instances this run's tests need start alongside the app: on two cores that saves
    # seconds over starting each when a test first needs it.
    instances.start(*instances_needed(request.session.items))
    process = serve_app(app_env, app_port, workdir / "app.log")
    yield wait_for_app(process, app_port, workdir / "app.log")
    stop(process, *instances.processes.values())


@pytest.fixture
def instance_url(request, instances) -> str:
    """The base URL of one of the other instances of the app (INSTANCES), which the test names:
    @pytest.mark.parametrize("instance_url", ["production"], indirect=True)."""
    return instances.url(request.param)


@pytest.fixture
def log_of(workdir, app_url):
    """The lines the app at this base URL (app_url, or one of INSTANCES) has logged so far."""

    def lines(url: str) -> list[str]:
        name = "app.log" if url == app_url else f"app-{url.rpartition(':')[2]}.log"
        text = (workdir / name).read_text(errors="replace")
        return text[: text.rfind("\n") + 1].splitlines()  # not a line still being written

    return lines


@pytest.fixture
def all_app_logs(workdir) -> list[Path]:
    """Every log written by an app process in this session so far."""
    return [workdir / "app.log", *sorted(workdir.glob("app-*.log"))]


@pytest.fixture
def flow(app_url) -> Flow:
    return Flow(app_url)


@pytest.fixture
def visitor() -> requests.Session:
    """A person's cookie jar over plain HTTP (requests), for the steps of Flow."""
    session = requests.Session()
    yield session
    session.close()


@pytest.fixture
def log_in_as(flow):
    """Log in as an emulator persona, over real HTTP: log_in_as("ahmad") is a requests.Session
    (a person's cookie jar) logged in at app_url. The personas: src/sgid_emulator/personas.json."""
    opened = []

    def log_in(persona_id: str) -> requests.Session:
        visitor = requests.Session()
        opened.append(visitor)
        response = flow.log_in(visitor, persona_id)
        assert response.status_code == 303, f"{persona_id} could not log in: {response.status_code}"
        return visitor

    yield log_in
    for visitor in opened:
        visitor.close()
