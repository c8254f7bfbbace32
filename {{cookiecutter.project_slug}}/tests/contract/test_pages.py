"""Every page carries the security headers, and errors are friendly."""

import re

import pytest
import requests

PAGES = ["/", "/logged-out", "/no-such-page", "/callback"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers(app_url, path):
    response = requests.get(f"{app_url}{path}", timeout=10)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    expected_referrer = "no-referrer" if path == "/callback" else "strict-origin-when-cross-origin"
    assert response.headers["Referrer-Policy"] == expected_referrer
    assert not any(ch.isdigit() for ch in response.headers.get("Server", "")), "version banner"


def assert_headers(response: requests.Response, referrer: str = "strict-origin-when-cross-origin"):
    headers = response.headers
    csp = {
        d.strip().split(" ", 1)[0]: d.strip() for d in headers["Content-Security-Policy"].split(";")
    }
    assert csp["default-src"] == "default-src 'self'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["base-uri"] in ("base-uri 'none'", "base-uri 'self'")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == referrer
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "X-Powered-By" not in headers
    assert not any(ch.isdigit() for ch in headers.get("Server", "")), "version banner"
    if headers.get("Content-Type", "").startswith("text/html"):
        assert "charset=utf-8" in headers["Content-Type"].lower()
        assert "<script>" not in response.text  # no inline script for a CSP to forbid


def test_security_headers_on_every_page_class(flow, visitor):
    app = flow.app_url
    assert_headers(visitor.get(f"{app}/"))  # home
    login = visitor.get(f"{app}/login", allow_redirects=False)
    assert login.status_code == 302
    assert_headers(login)
    callback = visitor.get(
        flow.authorize(visitor, login.headers["Location"]), allow_redirects=False
    )
    assert callback.status_code == 303
    assert_headers(callback, referrer="no-referrer")
    profile = visitor.get(f"{app}/")
    assert "Log out" in profile.text
    assert_headers(profile)
    error = visitor.get(f"{app}/callback", params={"code": "a", "state": "b"})
    assert error.status_code == 400
    assert_headers(error, referrer="no-referrer")
    assert_headers(visitor.get(f"{app}/no-such-page"))  # 404
    token = flow.csrf_token(visitor)
    logout = visitor.post(f"{app}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert logout.status_code == 303
    assert_headers(logout)
    assert_headers(visitor.get(f"{app}/logged-out"))
    assert "Strict-Transport-Security" not in login.headers  # plain http in development


def test_every_asset_a_page_links_is_served(app_url):
    """The stylesheet and the icon (without an icon link, browsers ask /favicon.ico: a 404)."""
    page = requests.get(f"{app_url}/", timeout=10).text
    links = dict(re.findall(r'<link rel="(\w+)" href="([^"]+)"', page))
    assert set(links) == {"icon", "stylesheet"}, links
    for rel, content_type in (("icon", "image/svg+xml"), ("stylesheet", "text/css")):
        asset = requests.get(f"{app_url}{links[rel]}", timeout=10)
        assert asset.status_code == 200 and asset.headers["Content-Type"].startswith(content_type)


def test_not_found_is_friendly(app_url):
    response = requests.get(f"{app_url}/no-such-page", timeout=10)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_session_cookie_attributes(flow, visitor):
    """The login cookie (set by /login) and the session cookie (set at login) alike."""
    callback = flow.authorize(visitor, flow.start(visitor))
    response = visitor.get(callback, allow_redirects=False)
    cookies = {h.split("=", 1)[0]: h for h in response.raw.headers.getlist("Set-Cookie")}
    for name in ("session", "sgid_login"):
        cookie = cookies[name]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Domain=" not in cookie


def test_healthz(app_url):
    response = requests.get(f"{app_url}/healthz", timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "ok"
