"""The Django layer: the deployment check, settings per environment, CSRF and the session store."""

import json
import os
import secrets
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.test import Client

from {{ cookiecutter.package_name }}.config import SESSION_STORE, load_settings
from {{ cookiecutter.package_name }}.web.server import prepare

from tests.support.servers import PACKAGE


def manage(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.manage", *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(key_files) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SGID_CLIENT_ID": "my-app",
        "SGID_CLIENT_SECRET": secrets.token_urlsafe(32),
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        "SGID_REDIRECT_URI": "https://app.example.gov.sg/callback",
    }


def test_check_deploy_is_clean_in_production(production_env, tmp_path):
    check = ["check", "--deploy", "--fail-level", "WARNING"]
    result = manage(*check, env=production_env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings(production_env, tmp_path):
    names = ["DEBUG", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS"]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps(dict((name, getattr(settings, name)) for name in {names!r})))"
    )
    result = manage("shell", "-c", code, env=production_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])  # after the shell's own notes
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_NAME"] == "__Host-session"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_bad_configuration_is_one_line(tmp_path):
    result = manage("check", env={"APP_ENV": "production"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: SECRET_KEY")
    assert "Traceback" not in result.stderr


# --- in this process, with the development settings the contract suite uses ----------------


@pytest.fixture(scope="module")
def django_app(app_env, workdir):
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        for name, value in app_env.items():
            patch.setenv(name, value)
        prepare(load_settings())
        yield


@pytest.fixture
def client(django_app) -> Client:
    # Django's test client skips CSRF checks unless told otherwise.
    return Client(enforce_csrf_checks=True, headers={"host": "127.0.0.1"})


def session_store():
    from importlib import import_module

    return import_module(settings.SESSION_ENGINE).SessionStore


def logged_in(client: Client, idle_seconds: int = 0) -> str:
    """Give the client a logged-in session, as the callback makes it; return its session key."""
    user, _ = get_user_model().objects.get_or_create(sub="s")
    now = int(time.time())
    session = session_store()()
    session["user"] = {"sub": "s", "data": {}, "since": now, "seen": now - idle_seconds}
    # What django.contrib.auth.login() adds (auth.py calls it).
    session[SESSION_KEY] = user.pk
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_development_cookie_settings(django_app):
    assert settings.SESSION_COOKIE_NAME == "session"
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_SECURE is False  # plain http on localhost
    assert settings.DEBUG is False


def test_wrong_methods_get_the_friendly_page(client):
    response = client.get("/logout")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "This page cannot be used that way" in response.content.decode()
    # CSRF is checked before the method: a form post without the token is refused first.
    assert client.post("/login").status_code == 400


def test_logout_takes_the_token_from_the_csrf_token_field(client):
    logged_in(client)
    page = client.get("/").content.decode()
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = client.post("/logout", {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 400 and "Your session has expired" in refused.content.decode()
    done = client.post("/logout", {"csrf_token": token})
    assert done.status_code == 303 and done["Location"] == "/logged-out"


def test_the_session_time_limits_end_the_django_login_too(client):
    logged_in(client)
    assert client.get("/profile").status_code == 200
    logged_in(client, idle_seconds=int(settings.APP_SETTINGS.session_idle_minutes * 60) + 60)
    response = client.get("/profile")
    assert response.status_code == 302 and response["Location"] == "/login?next=/profile"


def test_a_forged_session_key_gives_an_empty_session(django_app):
    assert session_store()("forged-session-key-0123456789").load() == {}


@pytest.mark.skipif(SESSION_STORE != "cookie", reason="the cookie store's own test")
def test_the_cookie_is_sealed(django_app):
    session = session_store()()
    session["user"] = {"sub": "visible-sub", "data": {"myinfo.name": "VISIBLE NAME"}}
    session.save()
    sealed = session.session_key
    assert "visible" not in sealed.lower() and sealed.startswith("v1.")
    assert session_store()(sealed).load()["user"]["sub"] == "visible-sub"
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert session_store()(tampered).load() == {}


@pytest.mark.skipif(SESSION_STORE == "cookie", reason="a server-side store's own test")
def test_rotation_and_logout_leave_no_record_behind(django_app):
    session = session_store()()
    session["user"] = {"sub": "s"}
    session.save()
    before = session.session_key
    session.cycle_key()
    assert session.session_key != before
    assert not session.exists(before)
    after = session.session_key
    session.flush()
    assert not session.exists(after)


@pytest.mark.skipif(SESSION_STORE != "database", reason="the database store's own test")
def test_new_and_rotated_sessions_cost_one_statement_each(django_app, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from {{ cookiecutter.package_name }}.web import sessions

    taken = session_store()()
    taken["user"] = {"sub": "first"}
    taken.save()
    with CaptureQueriesContext(connection) as queries:
        fresh = session_store()()
        fresh["user"] = {"sub": "second"}
        fresh.save()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements and statements.count("INSERT") == 1, statements

    # A drawn key that is taken already: the insert fails and another key is drawn.
    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda *args: next(keys))
    third = session_store()()
    third["user"] = {"sub": "third"}
    third.save()
    assert third.session_key == "k" * 32
    assert session_store()(taken.session_key).load()["user"]["sub"] == "first"

    # Rotating the key (every login does): one INSERT, one DELETE, and no SELECT.
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as queries:
        third.cycle_key()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements and statements.count("DELETE") == 1, statements
    assert not third.exists("k" * 32) and third.exists(third.session_key)
