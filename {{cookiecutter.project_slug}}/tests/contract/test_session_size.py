"""A session too large for the cookie store ends on a page that says so; other stores keep it.

The emulator's "wordy" and "repetitive" personas (tests/support/emulator.py) have a name and
address far longer than any real one: "wordy" cannot be compressed into a 4 kB cookie,
"repetitive" would compress into one but is over the cookie store's limit before compression.
"""

import html

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES, SESSION_STORE

from tests.support.emulator import LARGE_VALUES

LARGE_SCOPES = {"myinfo.name", "myinfo.registered_address"} & set(DEFAULT_SCOPES.split())

pytestmark = pytest.mark.skipif(
    not LARGE_SCOPES, reason="the project asks for neither a name nor an address"
)


@pytest.mark.skipif(SESSION_STORE != "cookie", reason="only the cookie store has a size limit")
@pytest.mark.parametrize("persona", sorted(LARGE_VALUES))
def test_a_session_too_large_for_the_cookie_gets_a_page_saying_why(flow, visitor, log_of, persona):
    response = flow.log_in(visitor, persona)
    assert response.status_code == 500
    assert "text/html" in response.headers["Content-Type"]
    text = html.unescape(response.text)
    assert "too large" in text and "4 kB" in text and "database or Redis" in text
    assert "Traceback" not in response.text
    assert len(response.text) < 10_000, "the page must not show the data"
    assert not flow.is_logged_in(visitor)
    assert all(len(cookie.value) < 4000 for cookie in visitor.cookies)
    log = "\n".join(log_of(flow.app_url))
    assert "login failed: too_large" in log and "Traceback" not in log


@pytest.mark.skipif(SESSION_STORE == "cookie", reason="the cookie store has a size limit")
@pytest.mark.parametrize("persona", sorted(LARGE_VALUES))
def test_a_server_side_store_keeps_a_large_session(flow, visitor, persona):
    assert flow.log_in(visitor, persona).status_code == 303
    page = html.unescape(visitor.get(f"{flow.app_url}/profile").text)
    assert "Log out" in page
    assert LARGE_VALUES[persona].strip() in page
    assert requests.get(f"{flow.app_url}/healthz", timeout=10).status_code == 200
