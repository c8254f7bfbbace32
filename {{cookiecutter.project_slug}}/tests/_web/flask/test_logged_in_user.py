"""g.user, login_required and the callback's account steps (accounts/access.py, records.py),
over real HTTP: an app from the factory, with a login-only page of the test's own, served on a
loopback port beside the emulator. The contract suite checks /profile the same way for every
framework; these check what is Flask's own."""

import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from flask import g, jsonify
from werkzeug.serving import make_server

from {{ cookiecutter.package_name }}.accounts import access
from {{ cookiecutter.package_name }}.config import SESSION_STORE, load_settings
from {{ cookiecutter.package_name }}.web import create_app
from {{ cookiecutter.package_name }}.web.auth import login_required

from tests.support.emulator import DEFAULT_PERSONA, identity_of, personas
from tests.support.http_client import Flow

# A page whose query holds what `next` must carry encoded: "&", "=", "+" and an encoded "/".
# (sgid/redirects.py lets a login come back only to printable ASCII, decoded too.)
PAGE = "/things/tea?q=a+b&next=%2F"


@login_required
def whoami(name):
    return jsonify(sub=g.user.sub, data=g.user.data, name=name)


@pytest.fixture
def app(app_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = dict(app_env)
    if SESSION_STORE == "database":  # a database of the test's own, whatever the suite's
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    app = create_app(load_settings(env))
    app.add_url_rule("/things/<name>", view_func=whoami)
    return app


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def url(app):
    with serving(app) as url:
        yield url


def log_in(url: str, visitor: requests.Session, next_path: str | None = None):
    """The whole login on this server; the emulator sends the callback to the suite's app (the
    redirect URI registered), so it is replayed here. Returns the callback's response."""
    flow = Flow(url)
    callback = flow.authorize(visitor, flow.start(visitor, next_path))
    return visitor.get(f"{url}/callback{callback.split('/callback', 1)[1]}", allow_redirects=False)


def session_cookie(visitor: requests.Session) -> str | None:
    return visitor.cookies.get("session")


def test_login_required_sends_a_visitor_to_log_in_and_back_to_the_same_page(url, visitor):
    response = visitor.get(f"{url}{PAGE}", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote(PAGE, safe='/')}"
    assert "Set-Cookie" not in response.headers  # nobody is logged in: no session either
    next_path = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]

    callback = log_in(url, visitor, next_path)

    assert callback.status_code == 303 and callback.headers["Location"] == PAGE
    page = visitor.get(f"{url}{PAGE}", allow_redirects=False)
    assert page.status_code == 200
    me = identity_of(personas()[DEFAULT_PERSONA])
    assert page.json() == {"sub": me.sub, "data": me.data, "name": "tea"}


def test_g_user_is_none_once_logged_out(url, visitor):
    assert log_in(url, visitor).status_code == 303
    assert visitor.get(f"{url}/things/x", allow_redirects=False).status_code == 200
    token = Flow(url).csrf_token(visitor)
    visitor.post(f"{url}/logout", data={"csrf_token": token})
    assert visitor.get(f"{url}/things/x", allow_redirects=False).status_code == 302


def test_static_files_do_not_read_the_session(url, visitor):
    """The same files for everyone, so cacheable: no Vary: Cookie, even for someone logged in."""
    assert log_in(url, visitor).status_code == 303
    response = visitor.get(f"{url}/static/app.css")
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")


def test_someone_access_py_refuses_gets_403_and_no_session(url, visitor, monkeypatch):
    monkeypatch.setattr(access, "may_log_in", lambda identity: False)
    response = log_in(url, visitor)
    assert response.status_code == 403
    assert "Log out" not in response.text
    assert session_cookie(visitor) is None
    assert visitor.get(f"{url}/profile", allow_redirects=False).status_code == 302


@pytest.mark.skipif(SESSION_STORE != "database", reason="only the database store keeps records")
def test_each_login_is_recorded(app, url, visitor):
    assert log_in(url, visitor).status_code == 303
    me = identity_of(personas()[DEFAULT_PERSONA])
    first = app.extensions["user_records"].find(me.sub)
    assert first is not None and first.first_login == first.last_login

    assert log_in(url, requests.Session()).status_code == 303

    again = app.extensions["user_records"].find(me.sub)
    assert again.first_login == first.first_login and again.last_login > first.last_login


@pytest.mark.skipif(SESSION_STORE != "database", reason="only the database store keeps records")
def test_no_login_without_its_record(app, url, visitor):
    """While the database refuses the record (as when it is down): the store's friendly 503,
    and nobody is logged in."""
    from {{ cookiecutter.package_name }}.accounts.records import users

    users.drop(app.extensions["user_records"].engine)
    response = log_in(url, visitor)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Traceback" not in response.text
    assert session_cookie(visitor) is None
    assert visitor.get(f"{url}/things/x", allow_redirects=False).status_code == 302
