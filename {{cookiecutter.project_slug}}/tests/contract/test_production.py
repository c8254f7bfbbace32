"""In production: HSTS, and a session cookie that is Secure, host-only and __Host- prefixed;
and a production server that will not start with bad settings says everything that is wrong.

This instance is told sgID is at https://sgid.invalid, a name that never resolves: the pages
checked here (home, 404, the start of a login) must not need sgID, and nothing is fetched at
start.
"""

import sys

import pytest
import requests

from {{ cookiecutter.package_name }}.config import SESSION_STORE

from tests.support.servers import PACKAGE, refused_to_start


def assert_hsts(response: requests.Response) -> None:
    hsts = response.headers["Strict-Transport-Security"]
    directives = [d.strip() for d in hsts.split(";")]
    assert int(directives[0].removeprefix("max-age=")) >= 31_536_000
    assert "includeSubDomains" in directives


@pytest.mark.parametrize("instance_url", ["production"], indirect=True)
@pytest.mark.parametrize(
    ("path", "status"), [("/", 200), ("/no-such-page", 404), ("/logged-out", 200), ("/login", 302)]
)
def test_hsts_on_every_page(instance_url, path, status):
    response = requests.get(f"{instance_url}{path}", allow_redirects=False, timeout=10)
    assert response.status_code == status
    assert_hsts(response)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("instance_url", ["production"], indirect=True)
def test_session_cookie_is_secure_host_only(instance_url):
    response = requests.get(f"{instance_url}/login", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://sgid.invalid/")
    cookie = response.headers["Set-Cookie"]
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert cookie.startswith("__Host-")
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)


@pytest.mark.parametrize("instance_url", ["production"], indirect=True)
def test_anonymous_pages_set_no_cookie(instance_url):
    for path in ("/", "/no-such-page", "/logged-out"):
        response = requests.get(f"{instance_url}{path}", timeout=10)
        assert "Set-Cookie" not in response.headers, path


def test_serve_reports_every_configuration_problem_at_once(tmp_path):
    """From an empty folder, as in the container: one line per problem, then exit status 2."""
    env = {
        "PATH": "",
        "APP_ENV": "production",
        "SECRET_KEY": "too-short",
        "SGID_CLIENT_ID": "a1b2c3",
        "SGID_CLIENT_SECRET": "secret",
        "SGID_REDIRECT_URI": "http://app.example.gov.sg/callback",
        # Not a URL: refused for Redis; DATABASE_URL takes any SQLAlchemy URL, and the
        # cookie store reads neither.
        "REDIS_URL": "localhost:6379",
    }
    lines, output = refused_to_start([sys.executable, "-m", f"{PACKAGE}.serve"], env, tmp_path)
    expected = [
        "SGID_PRIVATE_KEY or SGID_PRIVATE_KEY_FILE must hold the sgID client's RSA private key",
        *(["REDIS_URL: 'localhost:6379' is not a valid"] if SESSION_STORE == "redis" else []),
        "SECRET_KEY: in production it must be random",
        "SGID_REDIRECT_URI: in production it must be an https:// URL",
    ]
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(f"configuration error: {start}"), lines
    assert lines[0].endswith(
        f"python -m {PACKAGE}.keys register --out ./sgid-keys "
        "--redirect-uri https://<your host>/callback"
    )
    assert ".env" not in output  # production reads the environment; no .env is expected
    assert "<package>" not in output and "Traceback" not in output
