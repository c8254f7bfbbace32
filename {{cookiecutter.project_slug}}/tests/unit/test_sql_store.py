"""The SQL store's engines: SQLite set up for a web server's concurrency, PostgreSQL's pool
sized from the threads (stores/limits.py and stores/sql.py say why); and its one upsert."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text

from {{ cookiecutter.package_name }}.sgid.adapter import SERVER_THREADS
from {{ cookiecutter.package_name }}.stores.limits import MAX_WAITING, SQLITE_BUSY_SECONDS
from {{ cookiecutter.package_name }}.stores.sql import NEW, POOL_SIZE, Upsert, create_session_engine


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


@pytest.mark.parametrize("one_statement", [True, False], ids=["on-conflict", "update-then-insert"])
def test_upsert_inserts_then_sets_only_its_on_conflict_columns(tmp_path, one_statement):
    """ON CONFLICT DO UPDATE on SQLite, and the UPDATE-then-INSERT other databases get."""
    engine = create_session_engine(f"sqlite:///{tmp_path / 'upsert.sqlite3'}")
    people = Table(
        "people",
        MetaData(),
        Column("sub", String, primary_key=True),
        Column("first", String),
        Column("last", String),
        Column("count", Integer),
    )
    people.metadata.create_all(engine)
    upsert = Upsert(
        engine, people, key="sub", on_conflict={"last": NEW, "count": people.c.count + 1}
    )
    if not one_statement:
        upsert.statement = None  # as on a database without ON CONFLICT
    try:
        with engine.begin() as connection:
            upsert(connection, {"sub": "a", "first": "1", "last": "1", "count": 1})
            upsert(connection, {"sub": "a", "first": "2", "last": "2", "count": 1})
            upsert(connection, {"sub": "b", "first": "1", "last": "1", "count": 1})
            rows = connection.execute(select(people).order_by(people.c.sub)).all()
        assert [tuple(row) for row in rows] == [("a", "1", "2", 2), ("b", "1", "1", 1)]
    finally:
        engine.dispose()
