"""Django's side of the app's people: the user record each login keeps, the admin for staff
(who log in through sgID too), and is_active. Over real HTTP, against the app the contract
suite runs."""

import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from sgid_emulator.tokens import pairwise_sub

from tests.support.emulator import admitted_personas
from tests.support.servers import CLIENT_ID, PACKAGE


@pytest.fixture
def manage(app_env, workdir):
    """python -m <package>.manage, on the running app's database (its environment and folder)."""

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", f"{PACKAGE}.manage", *args],
            env=app_env,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    return run


@pytest.fixture
def person():
    """An admitted persona and its sub (sgID's pairwise id for the tests' client)."""
    persona_id = admitted_personas()[0]
    return persona_id, pairwise_sub(persona_id, CLIENT_ID)


def login_next(response) -> str:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login", response.headers["Location"]
    return parse_qs(location.query)["next"][0]


def test_each_login_keeps_a_user_record(log_in_as, manage, person):
    persona_id, sub = person
    log_in_as(persona_id)
    assert manage("make_staff").splitlines()[0].startswith(f"{sub}  last login ")


def test_the_admin_sends_a_logged_out_visitor_to_sgid(app_url, visitor):
    admin = visitor.get(f"{app_url}/admin/", allow_redirects=False)
    assert admin.status_code == 302
    login = visitor.get(f"{app_url}{admin.headers['Location']}", allow_redirects=False)
    assert login_next(login) == "/admin/"


def test_only_staff_reach_the_admin(app_url, log_in_as, manage, person):
    persona_id, sub = person
    visitor = log_in_as(persona_id)
    refused = visitor.get(f"{app_url}/admin/")
    assert refused.status_code == 403 and "You cannot open this page" in refused.text
    try:
        assert manage("make_staff", sub).strip() == f"{sub} is staff"
        admin = visitor.get(f"{app_url}/admin/")
        assert admin.status_code == 200 and "Site administration" in admin.text
        # The admin's login page, for someone already in: the admin's index.
        login_page = visitor.get(f"{app_url}/admin/login/", allow_redirects=False)
        assert login_page.status_code == 302 and login_page.headers["Location"] == "/admin/"
        # Staff without permissions see no models until a superuser grants some.
        assert manage("make_staff", sub, "--superuser").strip() == f"{sub} is a superuser"
        users = visitor.get(f"{app_url}/admin/web/user/")
        assert users.status_code == 200 and sub in users.text
    finally:
        manage("make_staff", sub, "--revoke")
    assert visitor.get(f"{app_url}/admin/").status_code == 403


def set_active(manage, sub: str, active: bool) -> None:
    code = "from django.contrib.auth import get_user_model; users = get_user_model().objects; "
    manage("shell", "-c", code + f"users.filter(sub={sub!r}).update(is_active={active})")


def test_an_inactive_user_cannot_log_in(flow, visitor, app_url, manage, person, log_of):
    persona_id, sub = person
    flow.log_in(visitor, persona_id)  # the record exists
    visitor.cookies.clear()
    set_active(manage, sub, False)
    try:
        refused = flow.log_in(visitor, persona_id)
        assert refused.status_code == 403 and "Log out" not in refused.text
        assert not [c for c in visitor.cookies if "session" in c.name]
        assert "login refused: inactive user" in "\n".join(log_of(app_url))
    finally:
        set_active(manage, sub, True)
