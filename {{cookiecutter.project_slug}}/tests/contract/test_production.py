"""In production: HSTS, and a session cookie that is Secure, host-only and __Host- prefixed.

This instance is told sgID is at https://sgid.invalid, a name that never resolves: the pages
checked here (home, 404, the start of a login) must not need sgID, and nothing is fetched at
start.
"""

import pytest
import requests


def assert_hsts(response: requests.Response) -> None:
    hsts = response.headers["Strict-Transport-Security"]
    directives = [d.strip() for d in hsts.split(";")]
    assert int(directives[0].removeprefix("max-age=")) >= 31_536_000
    assert "includeSubDomains" in directives


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/logged-out", "/login"])
def test_hsts_on_every_page(production_url, path):
    response = requests.get(f"{production_url}{path}", allow_redirects=False, timeout=10)
    assert response.status_code in (200, 302, 404)
    assert_hsts(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_secure_host_only(production_url):
    response = requests.get(f"{production_url}/login", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://sgid.invalid/")
    cookie = response.headers["Set-Cookie"]
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert cookie.startswith("__Host-")
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)


def test_anonymous_pages_set_no_cookie(production_url):
    for path in ("/", "/no-such-page", "/logged-out"):
        response = requests.get(f"{production_url}{path}", timeout=10)
        assert "Set-Cookie" not in response.headers, path
