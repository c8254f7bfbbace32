"""Real session-store servers for the tests, each in a temporary directory, on a free loopback port.

The tests can stop and start them again on the same port, to see how the app behaves while its
store is down and that it recovers by itself. When CI=true a missing server fails the tests;
elsewhere they are skipped with a line saying what to install.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.servers import START_TIMEOUT, free_port, missing

# Debian installs PostgreSQL's server programs outside PATH.
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def wait_for_port(port: int, process: subprocess.Popen | None, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port} within {START_TIMEOUT} s")


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # a backend that ended meanwhile
            os.kill(pid, signum)


def children(pid: int) -> list[int]:
    """Child processes of pid (Linux's /proc), so a whole server can be stopped."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


# Redis commands that write or expire a key: a session store's writes are among them.
REDIS_WRITES = {"set", "setex", "psetex", "getex", "getset", "mset", "hset", "del", "unlink"}
REDIS_WRITES |= {"expire", "pexpire", "expireat", "pexpireat", "persist", "rename"}


class RedisServer:
    """redis-server without persistence: a restart empties it, as a replaced Redis would be."""

    def __init__(self):
        self.program = shutil.which("redis-server")
        if self.program is None:
            missing("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.env = {"REDIS_URL": f"redis://127.0.0.1:{self.port}/0"}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # an outage, not a clean shutdown
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Stop the server without closing anything (SIGSTOP): connections stay open, and the
        kernel still acknowledges packets, but nothing answers, like a stalled VM."""
        signal_all([self.process.pid], signal.SIGSTOP)

    def thaw(self) -> None:
        signal_all([self.process.pid], signal.SIGCONT)

    def size(self) -> int:
        """How many keys Redis holds (logins in progress live in a cookie)."""
        import redis

        with redis.Redis(port=self.port) as redis_client:
            return redis_client.dbsize()

    def version(self) -> int:
        """How many commands that write a key Redis has run so far (its INFO commandstats)."""
        import redis

        with redis.Redis(port=self.port) as redis_client:
            stats = redis_client.info("commandstats")
        return sum(
            counts["calls"]
            for name, counts in stats.items()
            if name.removeprefix("cmdstat_") in REDIS_WRITES
        )


class PostgresServer:
    """A throwaway PostgreSQL cluster (initdb) in a temporary directory.

    PostgreSQL refuses to run as root, so as root (CI) it runs as the unprivileged user nobody,
    in a directory that user owns; nothing on the system changes. fsync is off: the data is
    thrown away anyway.
    """

    def __init__(self):
        bin_dir = next((d for d in POSTGRES_BIN_DIRS if (d / "initdb").exists()), None)
        found = shutil.which("pg_ctl")
        if bin_dir is None and found:
            bin_dir = Path(found).parent
        if bin_dir is None:
            missing("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin_dir = bin_dir
        self.port = free_port()
        # Not under pytest's tmp_path: its parents are private to root.
        self.root = Path(tempfile.mkdtemp(prefix="sgid-postgres-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "nobody", "nogroup")
            self.as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.env = {"DATABASE_URL": url}

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / program), *args],
            check=True,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -F -c max_connections=200"
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        wait_for_port(self.port, None, "PostgreSQL")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():  # running
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def freeze(self) -> None:
        """Stop the postmaster and every backend (SIGSTOP): connections stay open, the kernel
        still acknowledges packets, but nothing answers, like a stalled VM or disk."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        self.frozen = [postmaster, *children(postmaster)]
        signal_all(self.frozen, signal.SIGSTOP)
        # A backend forked in the meantime is stopped too.
        signal_all([pid for pid in children(postmaster) if pid not in self.frozen], signal.SIGSTOP)
        self.frozen = [postmaster, *children(postmaster)]

    def thaw(self) -> None:
        signal_all(getattr(self, "frozen", []), signal.SIGCONT)
        self.frozen = []

    def _session_table(self, sql: str) -> list[tuple]:
        """The rows `sql` selects from the session table, named {table} in it."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres") as connection:
            # "sessions", or "django_session" for Django
            (table,) = connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_name LIKE '%session%'"
            ).fetchone()
            return connection.execute(sql.format(table=f'"{table}"')).fetchall()

    def size(self) -> int:
        """How many rows the session table holds (logins in progress live in a cookie)."""
        return self._session_table("SELECT count(*) FROM {table}")[0][0]

    def version(self) -> list[tuple[str, str]]:
        """The session table's row versions: every insert or update makes a new one (a new
        ctid and xmin, the writing transaction), a delete removes one."""
        return sorted(self._session_table("SELECT ctid::text, xmin::text FROM {table}"))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def suite_store(session_store: str) -> RedisServer | PostgresServer | None:
    """The store server of the contract suite, not yet started; None for SQLite and the cookie.

    The database store uses SQLite unless TEST_DATABASE=postgresql (a throwaway PostgreSQL
    cluster; the template's CI runs both).
    """
    if session_store == "redis":
        return RedisServer()
    if session_store == "database" and os.environ.get("TEST_DATABASE") == "postgresql":
        return PostgresServer()
    return None


def shared_store(session_store: str) -> RedisServer | PostgresServer | None:
    """The shared store of a real deployment: Redis, or PostgreSQL (not SQLite) for database;
    None for the cookie store, where nothing is shared but SECRET_KEY."""
    if session_store == "redis":
        return RedisServer()
    if session_store == "database":
        return PostgresServer()
    return None


class SqliteVersion:
    """PRAGMA data_version on a connection of its own to a SQLite file: it changes whenever
    another connection (the app's) has committed a change to the file since the last call."""

    def __init__(self, path: str):
        import sqlite3

        self.connection = sqlite3.connect(path)

    def __call__(self) -> int:
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.connection.close()


def stop_and_remove(server: RedisServer | PostgresServer | None) -> None:
    if server is not None:
        server.stop()
        if isinstance(server, PostgresServer):
            server.remove()
