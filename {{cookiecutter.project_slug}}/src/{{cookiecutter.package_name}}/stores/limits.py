"""How long a page may wait for the SQL session store, for every framework.

When the database is down or stalled, pages that need the session must answer within about 2 s
(a friendly 503, error_messages.STORE_UNAVAILABLE) rather than hold a worker: short timeouts,
and at most one immediate retry, which covers a pooled connection that a restart closed. The
drivers reconnect by themselves when it is back, so the app recovers without a restart.

PostgreSQL can also go silent with its connections open, which no timeout of libpq's bounds:
StoreGuard below bounds every wait on it, and how many requests wait at once, for every
framework (docs/scale-out.md in the template lists each failure mode and what bounds it).
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .health import ping

log = logging.getLogger(__name__)

# A PostgreSQL that stops answering while its connections stay open (a stalled VM or disk, a
# paused failover primary) is bounded by nothing else: the kernel still acknowledges packets,
# so keepalives and tcp_user_timeout never fire, statement_timeout runs on the silent server,
# and psycopg waits on an open connection for as long as the server is silent.
QUERY_DEADLINE = 1.5  # seconds any one wait on a PostgreSQL connection may last
CONNECT_DEADLINE = 1.5  # seconds a new connection may take (libpq's own minimum is 2)
MAX_WAITING = 8  # requests per process waiting on the store at once; beyond, the 503 page
# How long a request may queue for one of those places: a healthy store frees one within
# milliseconds, so a burst of requests queues briefly instead of being refused.
SLOT_WAIT = 0.2
PROBE_EVERY = 0.5  # seconds between checks of a store that went silent
# Writes (Flask, FastAPI) or responses (Django) between purges of expired rows: SQL has no TTL.
PURGE_EVERY = 100


class StoreBusy(Exception):
    """The store went silent (or too many requests already wait on it): answer 503 at once."""


# SQLite, the default store, under a web server: several workers, each with several threads,
# read and write one file at once. The rollback journal it starts with locks the whole file for
# every write, readers included, and syncs it to disk twice per commit. Write-ahead logging lets
# readers go on beside the one writer; synchronous=NORMAL syncs at checkpoints rather than at
# every commit (a power cut may lose the last sessions written, never corrupt the file, and a
# lost session only means logging in again). journal_mode is kept in the file; synchronous and
# the busy timeout (SQLITE_BUSY_SECONDS: wait for the writer instead of failing at once) hold
# per connection, so each is set on every new connection.
SQLITE_BUSY_SECONDS = 5
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def database_connect_args(url: str) -> dict:
    """Connection arguments for the database driver (psycopg for PostgreSQL, sqlite3)."""
    if url.startswith("sqlite"):
        return {"timeout": SQLITE_BUSY_SECONDS}  # sqlite3's busy timeout
    if url.startswith("postgres"):
        # libpq's shortest connect timeout is 2 s (StoreGuard gives up after 1.5 s). A statement
        # may take 1.2 s: a live server cancels a locked or slow one itself, before StoreGuard's
        # watchdog (1.5 s) takes the server for silent.
        return {"connect_timeout": 2, "options": "-c statement_timeout=1200"}
    return {"connect_timeout": 2}


class StoreGuard:
    """Bounds every wait on PostgreSQL, and the number of requests waiting, in this process.

    - A watchdog thread shuts down the socket of a connection whose wait (a query, a commit,
      SQLAlchemy's pre-ping, Django's health check) has lasted QUERY_DEADLINE: psycopg raises
      OperationalError at once, the framework answers the friendly 503, and the connection is
      thrown away (SQLAlchemy and Django see a lost connection), never reused.
    - New connections are made in a helper thread and given up after CONNECT_DEADLINE.
    - After such a timeout the store counts as silent: requests get the 503 at once, with no
      wait at all, while a background thread checks the store every PROBE_EVERY seconds; the
      first answer ends it, so the app recovers by itself.
    - A bulkhead: at most MAX_WAITING requests of this process wait on the store at once;
      others queue for SLOT_WAIT at most, then get the 503 page.
    """

    def __init__(self):
        self.enabled = False  # guard_engine() or Django's middleware turns it on, for PostgreSQL
        self._connect = None  # how to open a new connection, for the probe
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # gunicorn's workers start afresh

    def _reset(self) -> None:
        self._lock = threading.Condition()
        self._watched: dict[object, tuple[float, int]] = {}  # token: (deadline, socket)
        self._slots = threading.BoundedSemaphore(MAX_WAITING)
        self._watchdog_started = False
        self.silent = False

    # -- the bulkhead, around each store operation of a request ---------------------------

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self.enabled:  # SQLite: a file on this machine, nothing to go silent
            yield
            return
        if self.silent:
            raise StoreBusy("the session store did not answer in time; checking it again")
        if not self._slots.acquire(timeout=SLOT_WAIT):
            raise StoreBusy(f"{MAX_WAITING} requests already wait on the session store")
        if self.silent:  # it went silent while this request queued
            self._slots.release()
            raise StoreBusy("the session store did not answer in time; checking it again")
        try:
            yield
        finally:
            self._slots.release()

    # -- the watchdog, around each wait on a connection ------------------------------------

    @contextmanager
    def watch(self, fileno: int) -> Iterator[None]:
        token = object()
        with self._lock:
            self._start_watchdog()
            self._watched[token] = (time.monotonic() + QUERY_DEADLINE, fileno)
            self._lock.notify()
        try:
            yield
        finally:
            with self._lock:  # before the connection can be closed or used by anyone else
                self._watched.pop(token, None)

    def _start_watchdog(self) -> None:
        if not self._watchdog_started:
            self._watchdog_started = True
            threading.Thread(target=self._watchdog, name="store-watchdog", daemon=True).start()

    def _watchdog(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for token, (deadline, fileno) in list(self._watched.items()):
                    if deadline <= now:
                        del self._watched[token]
                        _shut_down(fileno)
                        self._went_silent(f"no answer within {QUERY_DEADLINE} s")
                deadlines = [deadline for deadline, _ in self._watched.values()]
                self._lock.wait(min(deadlines) - now if deadlines else None)

    # -- new connections, bounded ------------------------------------------------------------

    def connect(self, open_connection):
        """open_connection(), given up after CONNECT_DEADLINE (its thread then closes it)."""
        self._connect = open_connection
        if self.silent:
            raise StoreBusy("the session store did not answer in time; checking it again")
        connection = _connect_within(open_connection, CONNECT_DEADLINE)
        if connection is None:
            self._went_silent(f"no connection within {CONNECT_DEADLINE} s")
            raise StoreBusy(f"no connection to the session store within {CONNECT_DEADLINE} s")
        return connection

    # -- silent store: answer at once, probe in the background ------------------------------

    def _went_silent(self, why: str) -> None:
        with self._lock:  # one probe at a time (the watchdog calls this holding the lock)
            if self.silent:
                return
            self.silent = True
        log.warning("session store silent (%s): answering 503 until it answers again", why)
        threading.Thread(target=self._probe, name="store-probe", daemon=True).start()

    def _probe(self) -> None:
        while True:
            time.sleep(PROBE_EVERY)
            if self._answers():
                self.silent = False
                log.warning("session store answers again")
                return

    def _answers(self) -> bool:
        connection = None
        try:
            connection = _connect_within(self._connect, CONNECT_DEADLINE)
            if connection is None:
                return False
            ping(connection)
        except Exception:  # still silent or down
            return False
        finally:
            if connection is not None:
                connection.close()
        return True


def _connect_within(open_connection, seconds: float):
    """open_connection() in a helper thread; None if it takes longer than seconds (the helper
    then closes the connection it gets, if any: libpq's connect_timeout ends it)."""
    handover = threading.Lock()
    outcome: dict = {}
    done = threading.Event()

    def run() -> None:
        connection = error = None
        try:
            connection = open_connection()
        except BaseException as exc:  # handed to the waiting thread
            error = exc
        with handover:
            if not outcome:  # the caller still waits
                outcome.update(connection=connection, error=error)
                done.set()
                return
        if connection is not None:
            connection.close()  # too late: the caller has given up

    threading.Thread(target=run, name="store-connect", daemon=True).start()
    done.wait(seconds)
    with handover:
        if not done.is_set():
            outcome["gave_up"] = True
            return None
    if outcome["error"] is not None:
        raise outcome["error"]
    return outcome["connection"]


def _shut_down(fileno: int) -> None:
    """Shut the connection's socket down: the thread waiting on it wakes with an error at once."""
    try:
        with socket.socket(fileno=os.dup(fileno)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


STORE_GUARD = StoreGuard()


def watched_connection_class():
    """psycopg's Connection, with every wait on its socket watched by STORE_GUARD."""
    import psycopg

    class WatchedConnection(psycopg.Connection):
        def wait(self, *args, **kwargs):
            with STORE_GUARD.watch(self.pgconn.socket):
                return super().wait(*args, **kwargs)

    return WatchedConnection


class GuardedPsycopg:
    """The psycopg module as Django's PostgreSQL backend uses it (its `Database`), with new
    connections bounded and watched by STORE_GUARD; everything else is psycopg's own."""

    def __init__(self):
        import psycopg

        self._psycopg = psycopg
        self._connection_class = watched_connection_class()

    def connect(self, *args, **kwargs):
        return STORE_GUARD.connect(lambda: self._connection_class.connect(*args, **kwargs))

    def __getattr__(self, name: str):
        return getattr(self._psycopg, name)


def guard_django_connection(connection) -> None:
    """Put this thread's Django connection to PostgreSQL (psycopg 3) under STORE_GUARD."""
    if connection.vendor != "postgresql" or isinstance(connection.Database, GuardedPsycopg):
        return
    if connection.Database.__name__ != "psycopg":  # psycopg2 has no such waits to watch
        return
    STORE_GUARD.enabled = True
    connection.Database = _django_psycopg()


def _django_psycopg() -> GuardedPsycopg:
    global _GUARDED_PSYCOPG
    if _GUARDED_PSYCOPG is None:
        _GUARDED_PSYCOPG = GuardedPsycopg()
    return _GUARDED_PSYCOPG


_GUARDED_PSYCOPG = None


def guard_engine(engine) -> None:
    """Put an SQLAlchemy engine on PostgreSQL (psycopg) under STORE_GUARD; others unchanged."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    from sqlalchemy import event

    STORE_GUARD.enabled = True
    connection_class = watched_connection_class()

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):
        return STORE_GUARD.connect(lambda: connection_class.connect(*cargs, **cparams))
