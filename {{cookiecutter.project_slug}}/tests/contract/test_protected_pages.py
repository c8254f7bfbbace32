"""Pages only signed-in people see, and who may sign in (accounts/access.py), over real HTTP."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.emulator import admitted, personas

PERSONAS = personas()


def login_redirect(response: requests.Response) -> str:
    """The `next` of a redirect to /login, after checking that is what the response is."""
    assert response.status_code in (302, 303), response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and not location.netloc, response.headers["Location"]
    return parse_qs(location.query)["next"][0]


def test_home_is_public(app_url):
    page = requests.get(f"{app_url}/", timeout=10)
    assert page.status_code == 200 and "Log in with Singpass" in page.text


def test_the_profile_sends_a_logged_out_visitor_to_log_in(app_url, visitor):
    response = visitor.get(f"{app_url}/profile", allow_redirects=False)
    assert login_redirect(response) == "/profile"
    assert "Log out" not in response.text


def test_the_query_survives_the_trip_to_sgid(app_url, visitor):
    response = visitor.get(f"{app_url}/profile?tab=address&x=1", allow_redirects=False)
    assert login_redirect(response) == "/profile?tab=address&x=1"


def test_login_from_a_protected_page_comes_back_to_it(flow, visitor, app_url):
    next_path = login_redirect(visitor.get(f"{app_url}/profile", allow_redirects=False))
    callback = flow.log_in(visitor, next_path=next_path)
    assert callback.status_code == 303 and callback.headers["Location"] == "/profile"
    page = visitor.get(f"{app_url}/profile", allow_redirects=False)
    assert page.status_code == 200 and "Your profile" in page.text and "Log out" in page.text


def test_logging_out_closes_the_protected_page(flow, log_in_as, app_url):
    person = log_in_as(next(pid for pid in PERSONAS if admitted(pid)))
    assert person.get(f"{app_url}/profile").status_code == 200
    token = flow.csrf_token(person)
    assert person.post(f"{app_url}/logout", data={"csrf_token": token}).status_code == 200
    assert login_redirect(person.get(f"{app_url}/profile", allow_redirects=False)) == "/profile"


@pytest.mark.parametrize("persona_id", sorted(PERSONAS))
def test_each_persona_is_admitted_or_refused_as_access_py_says(
    flow, visitor, app_url, log_of, persona_id
):
    response = flow.log_in(visitor, persona_id)
    if admitted(persona_id):
        assert response.status_code == 303
        assert flow.is_logged_in(visitor)
        return
    assert response.status_code == 403
    assert "This app is not open to you" in html.unescape(response.text)
    assert "Log out" not in response.text
    # No session was made: no session cookie, and the profile is still closed.
    assert not [c for c in visitor.cookies if "session" in c.name]
    assert login_redirect(visitor.get(f"{app_url}/profile", allow_redirects=False))
    assert "login failed: forbidden" in "\n".join(log_of(app_url))
