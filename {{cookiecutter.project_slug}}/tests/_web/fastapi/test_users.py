"""OptionalUser and CurrentUser (web/users.py), and the login's user record, in process."""

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import SESSION_STORE, load_settings
from {{ cookiecutter.package_name }}.web import create_app
from {{ cookiecutter.package_name }}.web.users import CurrentUser, OptionalUser

from tests.support.emulator import DEFAULT_PERSONA, identity_of, personas
from tests.web import in_process


@pytest.fixture
def app(settings):
    """The app, with two pages of the kinds a project adds."""
    app = create_app(settings)

    @app.get("/hello")
    async def hello(user: OptionalUser):
        return {"name": user.name if user else None}

    @app.get("/files/{name}")
    async def file(name: str, request: Request, user: CurrentUser):
        return {"name": name, "query": request.url.query, "sub": user.sub}

    return app


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as client:
        yield client


def login_next(response) -> str:
    """The `next` of a 302 to /login."""
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and not location.netloc
    return parse_qs(location.query)["next"][0]


def test_a_logged_out_visitor_is_sent_to_log_in_with_a_302(client):
    for method in ("GET", "HEAD"):
        response = client.request(method, "/profile")
        assert response.headers["location"] == "/login?next=/profile", method
        assert login_next(response) == "/profile"
        assert "set-cookie" not in response.headers  # no session for a visitor


def test_the_way_back_names_the_same_page_and_query(client):
    path = "/files/a%3Fb?x=1&y=%2F&z"
    back = login_next(client.get(path))
    assert back == path
    callback = in_process.log_in(client, next_path=back)
    assert callback.status_code == 303 and callback.headers["location"] == path
    page = client.get(callback.headers["location"]).json()
    assert page["name"] == "a?b" and page["query"] == "x=1&y=%2F&z"


def test_the_user_is_who_logged_in(client):
    identity = identity_of(personas()[DEFAULT_PERSONA])
    assert client.get("/hello").json() == {"name": None}
    assert in_process.log_in(client, DEFAULT_PERSONA).status_code == 303
    assert client.get("/hello").json() == {"name": identity.data.get("myinfo.name")}
    assert client.get("/files/x").json()["sub"] == identity.sub


def test_the_profile_shows_what_was_shared(client):
    in_process.log_in(client)
    page = client.get("/profile")
    assert page.status_code == 200 and "Your profile" in page.text and "Log out" in page.text
    assert client.head("/profile").status_code == 200


database_only = pytest.mark.skipif(
    SESSION_STORE != "database", reason="only the database store keeps user records"
)


@pytest.fixture
def own_database(app_env, tmp_path, monkeypatch):
    """The app on a SQLite file of its own, not the one the suite's server uses."""
    monkeypatch.chdir(tmp_path)
    return load_settings({**app_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'own.sqlite3'}"})


@database_only
def test_each_login_is_recorded(own_database):
    sub = identity_of(personas()[DEFAULT_PERSONA]).sub
    with TestClient(create_app(own_database), follow_redirects=False) as client:
        records = client.app.state.user_records
        assert records.find(sub) is None
        in_process.log_in(client, DEFAULT_PERSONA)
        first = records.find(sub)
        in_process.log_in(client, DEFAULT_PERSONA)
        second = records.find(sub)
    assert first.first_login == second.first_login < second.last_login


def drop_the_users_table(app) -> None:
    """From now on every use of the user records fails, as when the database is away."""
    with app.state.user_records.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE users")


def assert_store_unavailable(response) -> None:
    assert response.status_code == 503 and response.headers["retry-after"]
    assert "We cannot open your session right now" in response.text


@database_only
def test_a_login_that_cannot_be_recorded_is_the_friendly_503(own_database, capsys):
    with TestClient(create_app(own_database), follow_redirects=False) as client:
        drop_the_users_table(client.app)
        response = in_process.log_in(client)
        assert_store_unavailable(response)
        assert "login not recorded, so refused: OperationalError" in capsys.readouterr().err
        assert not [c for c in response.headers.get_list("set-cookie") if "session=" in c]
        assert login_next(client.get("/profile")) == "/profile"


@database_only
def test_a_page_reading_the_records_is_the_friendly_503_when_it_cannot(own_database):
    from {{ cookiecutter.package_name }}.web.sessions import in_database  # the database store's

    app = create_app(own_database)

    @app.get("/record")
    async def record(request: Request, user: CurrentUser):
        found = await in_database(request.app.state.user_records.find, user.sub)
        return {"sub": found.sub}

    with TestClient(app, follow_redirects=False) as client:
        in_process.log_in(client)
        assert client.get("/record").status_code == 200
        drop_the_users_table(app)
        assert_store_unavailable(client.get("/record"))
