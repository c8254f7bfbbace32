"""Logs and pages never hold a code, token, verifier, secret or personal data; one line per
request, JSON in production and plain text in development.

Runs a full login of a person with an NRIC and a round of failures, then reads every log the
app processes wrote in this test session (earlier tests add theirs too).
"""

import json
import re
import secrets
import time

import pytest
import requests

from tests.support.emulator import DEFAULT_PERSONA, personas
from tests.support.http_client import query

# Codes, tokens, states, nonces and verifiers are long runs of URL-safe characters; nothing the
# app should log looks like that.
LONG_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")
DEV_SERVER_BANNERS = ["development server", "Running on http", "Debugger is active"]


def test_logs_hold_no_codes_tokens_secrets_or_personal_data(flow, emulator, all_app_logs):
    people = personas()
    visitor = requests.Session()
    authorize_url = flow.start(visitor)
    state, nonce = query(authorize_url)["state"], query(authorize_url)["nonce"]
    callback = flow.authorize(visitor, authorize_url, DEFAULT_PERSONA)
    code = query(callback)["code"]
    assert visitor.get(callback, allow_redirects=False).status_code == 303
    pages = [visitor.get(f"{flow.app_url}/profile").text]
    visitor.get(callback, allow_redirects=False)  # a replay
    for fault in ("id_token.bad_signature", "userinfo.sub_mismatch", "token.500", "token.html"):
        emulator.faults(fault)
        pages.append(flow.log_in(requests.Session(), DEFAULT_PERSONA).text)
    emulator.faults()
    text = "\n".join(path.read_text(errors="replace") for path in all_app_logs)
    assert "login failed" in text and "login ok" in text  # the log is the one we think
    for secret in [code, state, nonce, "contract-secret", "eyJ", "fault switch", "<html"]:
        assert secret not in text, f"{secret[:12]!r}... is in the app log"
    for person in people.values():
        for value in [person["name"], person["data"].get("myinfo.nric_number", "")]:
            assert not value or value not in text, f"personal data of {person['id']} logged"
    assert not LONG_TOKEN.search(text), LONG_TOKEN.search(text)
    assert "Traceback" not in text
    for banner in DEV_SERVER_BANNERS:
        assert banner not in text, "the app is not running under its production server"
    for page in pages[1:]:  # error pages: no token, code or sgID text either
        assert code not in page and "eyJ" not in page and "fault switch" not in page


def request_lines(lines: list[str], path: str) -> list[str]:
    return [line for line in lines if f" {path} " in line or f'"path": "{path}"' in line]


def wait_for_line(log_of, url: str, path: str) -> list[str]:
    """All lines of the app at url, once the line for its request of path is there."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = log_of(url)
        if request_lines(lines, path):
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no log line for {path}")


@pytest.mark.parametrize("instance_url", ["production"], indirect=True)
def test_production_logs_one_json_line_per_request_without_the_query(instance_url, log_of):
    url = instance_url
    path, marker = f"/log-check-{secrets.token_hex(4)}", secrets.token_hex(8)
    assert requests.get(f"{url}{path}?code={marker}", timeout=10).status_code == 404
    lines = [line for line in wait_for_line(log_of, url, path) if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line, the server's own too
    assert all(isinstance(e, dict) and {"time", "level", "message"} <= e.keys() for e in entries)
    [entry] = [e for e in entries if e.get("path") == path]
    assert (entry["method"], entry["status"]) == ("GET", 404)
    assert isinstance(entry["duration_ms"], int | float)
    assert marker not in "\n".join(lines)


def test_development_logs_plain_lines(app_url, log_of):
    path, marker = f"/log-check-{secrets.token_hex(4)}", secrets.token_hex(8)
    assert requests.get(f"{app_url}{path}?state={marker}", timeout=10).status_code == 404
    lines = wait_for_line(log_of, app_url, path)
    [line] = request_lines(lines, path)
    assert re.search(rf"GET {path} 404 [\d.]+ms http$", line), line
    assert not any(line.startswith("{") for line in lines)
    assert marker not in "\n".join(lines)
