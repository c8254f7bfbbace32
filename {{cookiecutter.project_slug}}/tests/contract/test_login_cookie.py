"""Logins in progress live in a short-lived encrypted cookie: anonymous requests write nothing
to the session store, and the cookie is bound to the browser, used once and short-lived.
"""

import sqlite3
import time
from http.cookiejar import DefaultCookiePolicy

import pytest
import requests

from {{ cookiecutter.package_name }}.config import SESSION_STORE

from tests.support.http_client import Flow
from tests.support.instances import SHORT_TTL

LOGIN_COOKIE = "sgid_login"  # the development name; production uses __Host-sgid_login
LOGIN_TTL = 600  # the default LOGIN_TTL_SECONDS
ANONYMOUS_LOGINS = 300


def store_size(env: dict[str, str]) -> int:
    """Rows or keys in the session store the app uses (its environment says which)."""
    if "REDIS_URL" in env:
        import redis

        with redis.Redis.from_url(env["REDIS_URL"]) as redis_client:
            return redis_client.dbsize()
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return sum(
                connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for (table,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%session%'"
                )
            )
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        (table,) = connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE '%session%'"
        ).fetchone()
        return connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie header of the response, by cookie name."""
    return {
        header.split("=", 1)[0]: header for header in response.raw.headers.getlist("Set-Cookie")
    }


@pytest.mark.skipif(
    SESSION_STORE == "cookie", reason="the cookie store keeps nothing on the server"
)
def test_anonymous_requests_write_nothing_to_the_store(flow, app_env):
    flow.log_in(requests.Session())  # the store's table exists, and holds someone
    before = store_size(app_env)
    with requests.Session() as flood:  # a client that sends no cookies, as a flood would
        flood.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        for _ in range(ANONYMOUS_LOGINS):
            assert flood.get(f"{flow.app_url}/login", allow_redirects=False).status_code == 302
    with requests.Session() as visitor:  # and one that keeps them
        for path in ["/login"] * 20 + ["/", "/callback?code=a&state=b", "/logged-out", "/x"]:
            visitor.get(f"{flow.app_url}{path}", allow_redirects=False)
    # Fewer is fine: SQL stores purge expired rows every 100 requests or writes.
    assert store_size(app_env) <= before
    visitor = requests.Session()
    assert flow.log_in(visitor).status_code == 303 and flow.is_logged_in(visitor)
    assert store_size(app_env) <= before + 1


def test_starting_a_login_sets_only_the_login_cookie(flow, visitor):
    response = visitor.get(f"{flow.app_url}/login", allow_redirects=False)
    cookies = set_cookies(response)
    assert set(cookies) == {LOGIN_COOKIE}, "starting a login must not create a session"
    attributes = [a.strip().lower() for a in cookies[LOGIN_COOKIE].split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    (max_age,) = [int(a.removeprefix("max-age=")) for a in attributes if a.startswith("max-age=")]
    assert 0 < max_age <= LOGIN_TTL


def test_the_login_cookie_is_used_up_and_expired_at_the_callback(flow, visitor):
    callback = flow.authorize(visitor, flow.start(visitor))
    response = visitor.get(callback, allow_redirects=False)
    assert response.status_code == 303
    attributes = [a.strip().lower() for a in set_cookies(response)[LOGIN_COOKIE].split(";")]
    assert "max-age=0" in attributes  # nothing left in progress: the cookie is removed
    assert LOGIN_COOKIE not in visitor.cookies


def test_a_login_cookie_tampered_with_is_refused(flow, visitor, emulator):
    callback = flow.authorize(visitor, flow.start(visitor))
    value = visitor.cookies.get(LOGIN_COOKIE)
    middle = len(value) // 2
    tampered = requests.Session()
    tampered.cookies.set(
        LOGIN_COOKIE, value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    )
    response = tampered.get(callback, allow_redirects=False)
    assert response.status_code == 400 and "Traceback" not in response.text
    assert emulator.counts()["token"] == 0
    assert not flow.is_logged_in(tampered)


def test_a_replay_with_the_cookie_from_before_the_callback_is_bounded(flow, visitor, emulator):
    """Someone who copied the login cookie and the callback URL gets nothing once it was used.

    The cookie still holds the attempt (the server keeps no record of it), so the code goes to
    sgID a second time, where it is refused: sgID's codes are single use. The login TTL bounds
    the copy's life (test_a_copy_of_the_login_cookie_expires_with_the_login_ttl).
    """
    callback = flow.authorize(visitor, flow.start(visitor))
    copied = visitor.cookies.get(LOGIN_COOKIE)
    assert visitor.get(callback, allow_redirects=False).status_code == 303
    replay = requests.Session()
    replay.cookies.set(LOGIN_COOKIE, copied)
    response = replay.get(callback, allow_redirects=False)
    assert response.status_code == 502 and "Traceback" not in response.text
    assert emulator.counts()["token"] == 2  # the second exchange, refused by sgID
    assert not flow.is_logged_in(replay)
    assert flow.is_logged_in(visitor)


@pytest.mark.waits
@pytest.mark.parametrize("instance_url", ["short_ttl"], indirect=True)
def test_a_copy_of_the_login_cookie_expires_with_the_login_ttl(instance_url, emulator):
    flow = Flow(instance_url)  # logins expire after 1 s
    visitor = requests.Session()
    callback = flow.authorize(visitor, flow.start(visitor))
    time.sleep(float(SHORT_TTL["LOGIN_TTL_SECONDS"]) + 0.1)
    response = visitor.get(callback, allow_redirects=False)
    assert response.status_code == 400 and "Your login has expired" in response.text
    assert emulator.counts()["token"] == 0


def test_many_logins_in_one_browser_keep_the_newest(flow, visitor):
    """Five logins in progress at most; the oldest give way, with long return paths too."""
    long_path = "/" + "a" * 500
    authorize_urls = [flow.start(visitor, long_path) for _ in range(8)]
    assert all(len(c.value) < 4000 for c in visitor.cookies)
    newest = visitor.get(flow.authorize(visitor, authorize_urls[-1]), allow_redirects=False)
    assert newest.status_code == 303 and newest.headers["Location"] == long_path
    oldest = visitor.get(flow.authorize(visitor, authorize_urls[0]), allow_redirects=False)
    assert oldest.status_code == 400 and "Your login has expired" in oldest.text
