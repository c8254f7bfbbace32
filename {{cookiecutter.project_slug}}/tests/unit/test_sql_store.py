"""The SQL store's engines: SQLite set up for a web server's concurrency, PostgreSQL's pool
sized from the threads (stores/limits.py and stores/sql.py say why)."""

from sqlalchemy import text

from {{ cookiecutter.package_name }}.sgid.adapter import SERVER_THREADS
from {{ cookiecutter.package_name }}.stores.limits import MAX_WAITING, SQLITE_BUSY_SECONDS
from {{ cookiecutter.package_name }}.stores.sql import POOL_SIZE, create_session_engine


def test_sqlite_connections_use_wal_normal_sync_and_a_busy_timeout(tmp_path):
    engine = create_session_engine(f"sqlite:///{tmp_path / 'sessions.sqlite3'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "busy_timeout": SQLITE_BUSY_SECONDS * 1000,
        }
    finally:
        engine.dispose()


def test_postgresql_pool_is_sized_from_the_threads():
    engine = create_session_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # no connect
    assert engine.pool.size() == POOL_SIZE == min(SERVER_THREADS, MAX_WAITING)
    engine.dispose()
