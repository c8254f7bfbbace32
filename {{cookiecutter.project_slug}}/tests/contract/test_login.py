"""Logging in end to end: the app, the emulator and a browser-like client over real HTTP."""

import html
import json
import re

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE

from tests.support.emulator import DEFAULT_PERSONA, admitted, admitted_personas, personas
from tests.support.http_client import query

SCOPES = DEFAULT_SCOPES.split()
PERSONAS = personas()
# Two people accounts/access.py admits (by default jose and priya).
ATTACKER, VICTIM = ([p for p in ("jose", "priya") if admitted(p)] + admitted_personas() * 2)[:2]


def expected_fragments(persona: dict) -> list[str]:
    """Text the profile page must show (once HTML entities are decoded) for each scope."""
    fragments = []
    for scope in SCOPES:
        if scope == "openid":
            continue
        value = persona["data"][scope]
        if value.strip() in ("", "NA"):
            fragments.append("Not provided")
        elif value.startswith("["):
            items = json.loads(value)
            shown = [v for item in items for v in item.values() if v != "NA"]
            fragments += shown or ["None on record"]
        elif re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
            fragments.append(value[:4])
        else:
            fragments += [line.strip() for line in value.split("\n") if line.strip()]
    return fragments


def test_home_offers_login(app_url):
    page = requests.get(f"{app_url}/", timeout=5)
    assert page.status_code == 200
    assert 'href="/login?next=/profile"' in page.text and "Log in with Singpass" in page.text


@pytest.mark.parametrize("persona_id", sorted(admitted_personas()))
def test_login_shows_the_profile(flow, visitor, persona_id):
    response = flow.log_in(visitor, persona_id)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = visitor.get(f"{flow.app_url}/profile").text
    assert "Log out" in page
    text = html.unescape(page)
    for fragment in expected_fragments(PERSONAS[persona_id]):
        assert fragment in text, f"{fragment!r} missing from the profile of {persona_id}"
        if "<" in fragment:
            assert fragment not in page, f"{fragment!r} reached the page unescaped"


@pytest.mark.skipif(SCOPES != ["openid"], reason="only for openid-only projects")
def test_openid_only_login_works(flow, visitor):
    assert flow.log_in(visitor).status_code == 303
    assert "nothing more to show" in visitor.get(f"{flow.app_url}/profile").text


def test_every_login_has_fresh_state_nonce_and_pkce(flow):
    urls = [flow.start(requests.Session()) for _ in range(3)]
    params = [query(url) for url in urls]
    for name in ("state", "nonce", "code_challenge"):
        values = [p[name] for p in params]
        assert len(set(values)) == 3, f"{name} repeats across logins"
        assert all(len(v) >= 43 for v in values), f"{name} is too short to be unguessable"
    assert {p["code_challenge_method"] for p in params} == {"S256"}
    assert {p["response_type"] for p in params} == {"code"}
    assert params[0]["scope"].split() == SCOPES


def test_two_tabs_logging_in_at_once_both_work(flow, visitor):
    first = flow.authorize(visitor, flow.start(visitor))
    second = flow.authorize(visitor, flow.start(visitor))
    assert visitor.get(first, allow_redirects=False).status_code == 303
    assert visitor.get(second, allow_redirects=False).status_code == 303
    assert flow.is_logged_in(visitor)


def test_abandoned_logins_do_not_pile_up(flow, visitor):
    """30 logins started and left; the last one still works and the cookies stay small."""
    for _ in range(29):
        response = visitor.get(f"{flow.app_url}/login", allow_redirects=False)
        assert len(response.headers.get("Set-Cookie", "")) < 4096
    assert flow.log_in(visitor).status_code == 303
    assert all(len(c.value) < 4000 for c in visitor.cookies)


def test_session_id_changes_at_login(flow, visitor):
    """Session fixation: an id planted before login (the attacker's own session) gets nothing.

    Starting a login creates no session, so the id to plant is one the attacker logged in to.
    """
    attacker = requests.Session()
    assert flow.log_in(attacker, ATTACKER).status_code == 303
    planted = attacker.cookies.get("session")
    visitor.cookies.set("session", planted)
    response = flow.log_in(visitor, VICTIM)
    assert response.status_code == 303
    assert response.cookies.get("session") not in (None, planted)
    if VICTIM != ATTACKER:  # accounts/access.py may admit only one persona
        name = PERSONAS[VICTIM]["data"]["myinfo.name"]
        assert name not in html.unescape(attacker.get(f"{flow.app_url}/profile").text)
    if SESSION_STORE != "cookie":  # the server forgot the old id (a cookie cannot be revoked)
        stale = requests.Session()
        stale.cookies.set("session", planted)
        assert not flow.is_logged_in(stale)


def test_logout_needs_post_and_a_csrf_token(flow, visitor):
    flow.log_in(visitor)
    assert visitor.get(f"{flow.app_url}/logout", allow_redirects=False).status_code == 405
    refused = visitor.post(f"{flow.app_url}/logout", allow_redirects=False)
    assert refused.status_code == 400
    assert flow.is_logged_in(visitor)
    token = flow.csrf_token(visitor)
    done = visitor.post(f"{flow.app_url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "/logged-out"
    assert not flow.is_logged_in(visitor)
    assert "You have logged out" in visitor.get(f"{flow.app_url}/logged-out").text


@pytest.mark.skipif(
    SESSION_STORE == "cookie", reason="a copied encrypted cookie cannot be revoked; see README"
)
def test_logout_ends_the_session_on_the_server(flow, visitor):
    flow.log_in(visitor)
    copied = visitor.cookies.get("session")
    token = flow.csrf_token(visitor)
    visitor.post(f"{flow.app_url}/logout", data={"csrf_token": token}, allow_redirects=False)
    replay = requests.Session()
    replay.cookies.set("session", copied)
    assert not flow.is_logged_in(replay)


def test_no_personal_data_or_token_readable_in_the_cookie(flow, visitor):
    flow.log_in(visitor, DEFAULT_PERSONA)
    cookie = visitor.cookies.get("session")
    person = PERSONAS[DEFAULT_PERSONA]
    words = [word for word in person["name"].split() if len(word) >= 4]
    for secret_looking in (*words, person["data"]["myinfo.nric_number"], "eyJ"):
        assert secret_looking not in cookie
