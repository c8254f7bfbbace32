"""The persona picker and consent pages, driven like a browser with plain HTTP."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from emuhelp import REDIRECT_URI
from sgid_client import generate_pkce_pair

CSP = "default-src 'self'; frame-ancestors 'none'"


@pytest.fixture
def people(emulator):
    """The shared emulator with auto-approve off, so people pick and consent."""
    assert emulator.admin("PUT", "/auto-approve", {"persona": None}).status_code == 200
    return emulator


def _start(emu, sdk, scope="openid myinfo.name myinfo.registered_address"):
    verifier, challenge = generate_pkce_pair()
    url = sdk.authorization_url(challenge, state="st-9", scope=scope, nonce="n-9").url
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 200
    return r, verifier


def _request_id(page: str) -> str:
    return re.search(r'name="request_id" value="([^"]+)"', page).group(1)


def _post(emu, **form):
    return requests.post(
        emu.issuer + "/oauth/authorize", data=form, allow_redirects=False, timeout=10
    )


def _assert_safe_page(r):
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Security-Policy"].startswith(CSP)
    assert r.headers["X-Frame-Options"] == "DENY"
    body = r.text
    assert "<script" not in body and "<style" not in body and "style=" not in body
    assert re.search(r'<link rel="stylesheet" href="/_emulator/static/[\w.]+\.css">', body)
    assert '<html lang="en">' in body and 'name="viewport"' in body


def test_picker_lists_every_persona(people, sdk, personas):
    r, _ = _start(people, sdk)
    _assert_safe_page(r)
    page = r.text
    assert "<fieldset>" in page and "<legend>" in page
    for p in personas:
        assert html.escape(p["name"]) in page
        assert f'value="{p["id"]}"' in page
    radios = re.findall(r'<input type="radio" name="persona" id="([^"]+)"', page)
    labels = re.findall(r'<label for="([^"]+)"', page)
    assert len(radios) == len(personas) and radios == labels
    css = requests.get(people.base_url + "/_emulator/static/emulator.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert ":focus-visible" in css.text and "max-width" in css.text


def test_consent_then_approve_exchanges(people, sdk, scopes):
    r, verifier = _start(people, sdk)
    rid = _request_id(r.text)
    consent = _post(people, request_id=rid, persona="priya", action="choose")
    assert consent.status_code == 200
    _assert_safe_page(consent)
    for name in ("openid", "myinfo.name", "myinfo.registered_address"):
        assert html.escape(scopes[name].label) in consent.text
        assert html.escape(scopes[name].description) in consent.text
    assert html.escape(scopes["myinfo.email"].label) + "<" not in consent.text
    assert 'value="approve"' in consent.text and 'value="deny"' in consent.text
    assert _request_id(consent.text) == rid
    done = _post(people, request_id=rid, action="approve")
    assert done.status_code == 302
    location = done.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    q = parse_qs(urlsplit(location).query)
    assert q["state"] == ["st-9"]
    sub, _, token = sdk.callback(q["code"][0], verifier, "n-9")
    info = sdk.userinfo(sub, token)
    assert info.data["myinfo.name"] == "PRIYA D/O RAJENDRAN"
    assert info.data["myinfo.registered_address"] == "BLK 23 TAMPINES STREET 21\n\nSINGAPORE 521023"
    # The pending request is gone once answered.
    assert _post(people, request_id=rid, action="approve").status_code == 400


def test_deny_redirects_access_denied(people, sdk):
    r, _ = _start(people, sdk)
    rid = _request_id(r.text)
    _post(people, request_id=rid, persona="mary", action="choose")
    denied = _post(people, request_id=rid, action="deny")
    assert denied.status_code == 302
    q = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert q["error"] == ["access_denied"] and q["state"] == ["st-9"] and "code" not in q


def test_picker_edge_cases(people, sdk):
    r, _ = _start(people, sdk)
    rid = _request_id(r.text)
    again = _post(people, request_id=rid, action="choose")  # nobody picked
    assert again.status_code == 400 and 'role="alert"' in again.text
    assert _post(people, request_id=rid, action="approve").status_code == 400  # no persona yet
    _post(people, request_id=rid, persona="ahmad", action="choose")
    back = _post(people, request_id=rid, action="back")
    assert back.status_code == 200 and 'name="persona"' in back.text
    assert _post(people, request_id="forged", action="approve").status_code == 400
    assert _post(people, request_id=rid, persona="nobody", action="choose").status_code == 400
    r = requests.post(people.issuer + "/oauth/authorize", json={"request_id": rid}, timeout=10)
    assert r.status_code == 400


def test_page_values_are_escaped(emulator_src, emulator_args, personas, tmp_path):
    import json

    from emuhelp import start_emulator

    evil = dict(personas[0], id="evil", name='<b>"X" & Y</b>', summary="<script>alert(1)</script>")
    path = tmp_path / "personas.json"
    path.write_text(json.dumps([evil]), encoding="utf-8")
    emu = start_emulator(emulator_src, *emulator_args, "--personas", str(path))
    try:
        challenge = generate_pkce_pair()[1]
        from urllib.parse import urlencode

        query = urlencode(
            {
                "response_type": "code",
                "client_id": emulator_args[1],
                "redirect_uri": REDIRECT_URI,
                "scope": "openid",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": '"><img src=x>',
            }
        )
        r = requests.get(f"{emu.issuer}/oauth/authorize?{query}", timeout=10)
        assert r.status_code == 200
        assert "<script>" not in r.text and "<b>" not in r.text
        assert "&lt;b&gt;&quot;X&quot; &amp; Y&lt;/b&gt;" in r.text
        assert "<img" not in r.text
    finally:
        emu.stop()
