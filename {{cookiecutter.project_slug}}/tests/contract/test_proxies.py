"""Behind a TLS-terminating load balancer: X-Forwarded-* count only from trusted proxies.

The instance "proxied" trusts one proxy (TRUSTED_PROXIES=1), "production" none (the default).
Each logs the scheme of every request, which is where the difference shows from outside: https
when the proxy says so and is trusted, http otherwise. Whatever the headers claim, the app emits
no URL with a forged host: redirects are relative, or go to sgID with the configured callback
URL."""

import json
import secrets
import time

import pytest
import requests

FORGED_HOST = "evil.example"
PATHS = ["/", "/login", "/login/", "/logout", "/logged-out", "/no-such-page", "/static/app.css"]


def scheme_logged(log_of, url: str, path: str) -> str:
    """The scheme the app logged for its request of this (unique) path."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in log_of(url):
            if line.startswith("{") and json.loads(line).get("path") == path:
                return json.loads(line)["scheme"]
        time.sleep(0.05)
    raise AssertionError(f"no log line for {path}")


@pytest.mark.parametrize(
    ("instance_url", "expected"),
    [("proxied", "https"), ("production", "http")],
    indirect=["instance_url"],
    ids=["trusting one", "trusting none"],
)
def test_forwarded_proto_counts_only_from_a_trusted_proxy(log_of, instance_url, expected):
    url = instance_url
    path = f"/proxy-check-{secrets.token_hex(4)}"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert requests.get(f"{url}{path}", headers=headers, timeout=10).status_code == 404
    assert scheme_logged(log_of, url, path) == expected


@pytest.mark.parametrize("instance_url", ["proxied"], indirect=True)
def test_plain_http_stays_http_behind_a_trusted_proxy(instance_url, log_of):
    url = instance_url
    path = f"/proxy-check-{secrets.token_hex(4)}"
    requests.get(f"{url}{path}", headers={"X-Forwarded-Proto": "http"}, timeout=10)
    assert scheme_logged(log_of, url, path) == "http"


@pytest.mark.parametrize("instance_url", ["proxied"], indirect=True)
def test_behind_the_proxy_pages_and_cookies_are_those_of_https(instance_url):
    url = instance_url
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    home = requests.get(f"{url}/", headers=headers, timeout=10)
    assert home.status_code == 200 and "Strict-Transport-Security" in home.headers
    login = requests.get(f"{url}/login", headers=headers, allow_redirects=False, timeout=10)
    assert login.status_code == 302
    assert login.headers["Location"].startswith("https://sgid.invalid/")
    assert login.headers["Set-Cookie"].startswith("__Host-")
    assert "secure" in login.headers["Set-Cookie"].lower()


@pytest.mark.parametrize(
    "instance_url", ["production", "proxied"], indirect=True, ids=["trusting none", "trusting one"]
)
def test_no_emitted_url_carries_a_forged_host(instance_url):
    url = instance_url
    forged = {"X-Forwarded-Host": FORGED_HOST, "X-Forwarded-Proto": "https"}
    for path in [*PATHS, "/callback?error=access_denied&state=x"]:
        for method in ("GET", "POST"):
            response = requests.request(
                method, f"{url}{path}", headers=forged, allow_redirects=False, timeout=10
            )
            emitted = "\n".join([response.text, *response.headers.values()])
            assert FORGED_HOST not in emitted, (method, path, response.status_code)
            location = response.headers.get("Location", "")
            assert not location or location.startswith(("/", "https://sgid.invalid/")), (
                method,
                path,
                location,
            )
