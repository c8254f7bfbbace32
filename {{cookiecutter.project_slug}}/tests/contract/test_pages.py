"""Every page carries the security headers, and errors are friendly."""

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


def test_not_found_is_friendly(app_url):
    response = requests.get(f"{app_url}/no-such-page", timeout=10)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_session_cookie_attributes(flow, browser):
    response = browser.get(f"{flow.app_url}/login", allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie


def test_healthz(app_url):
    response = requests.get(f"{app_url}/healthz", timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_logs_hold_no_codes_or_tokens(flow, browser, app_log):
    callback = flow.authorize(browser, flow.start(browser))
    code = callback.split("code=", 1)[1].split("&", 1)[0]
    browser.get(callback, allow_redirects=False)
    log = app_log.read_text()
    assert code not in log
    assert "eyJ" not in log  # no JWT or JWE
