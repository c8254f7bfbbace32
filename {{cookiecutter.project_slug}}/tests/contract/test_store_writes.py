"""Page views that do not change the session write nothing: not to the store, not a new cookie.

login.current_user() touches the last-seen time at most once a minute (login.TOUCH_EVERY), so
a person reading pages costs the store one write a minute at most, not one a page. The store's
own counters tell (conftest.store_version): Redis's count of writing commands, PostgreSQL's
row versions, SQLite's data_version; for the cookie store, the Set-Cookie headers.
"""

import pytest

from {{ cookiecutter.package_name }}.config import SESSION_STORE

COOKIE = "session"  # the development name
VIEWS = 5  # well within a minute: no last-seen touch is due


def session_cookies_set(response) -> list[str]:
    headers = response.raw.headers.getlist("Set-Cookie")
    return [value for value in headers if value.startswith(f"{COOKIE}=")]


def test_page_views_write_nothing_to_the_store(flow, visitor, app_url, store_version):
    before_login = store_version() if store_version else None
    login = flow.log_in(visitor)
    assert login.status_code == 303
    assert session_cookies_set(login), "the login sets the session cookie"
    # The page the login lands on may add the logout form's CSRF token to the session.
    assert "Log out" in visitor.get(f"{app_url}/").text
    if store_version is not None:
        after_login = store_version()
        assert after_login != before_login, "the counter sees the login's write"

    views = [visitor.get(f"{app_url}/profile") for _ in range(VIEWS)]

    assert all(view.status_code == 200 and "Log out" in view.text for view in views)
    if store_version is not None:
        assert store_version() == after_login, f"{VIEWS} unchanged sessions were written"
    assert [session_cookies_set(view) for view in views] == [[]] * VIEWS


@pytest.mark.skipif(SESSION_STORE != "database", reason="only the database store has a file")
def test_the_default_sqlite_file_is_in_wal_mode(flow, visitor, store_env):
    """WAL, so the workers' readers go on beside a writer (stores/limits.py says why)."""
    import sqlite3

    url = store_env.get("DATABASE_URL", "")
    if not url.startswith("sqlite:///"):
        pytest.skip("the suite runs on PostgreSQL (TEST_DATABASE=postgresql)")
    assert flow.log_in(visitor).status_code == 303  # the app has written its sessions
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    assert mode == "wal"
