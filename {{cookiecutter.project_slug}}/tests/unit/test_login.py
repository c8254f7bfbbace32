"""The login cookie: at most MAX_PENDING attempts, each used once, always small enough to keep."""

import pytest

from {{ cookiecutter.package_name }}.security.sealed_cookies import MAX_COOKIE_BYTES, Sealer
from {{ cookiecutter.package_name }}.sgid import login
from {{ cookiecutter.package_name }}.sgid.adapter import SgidAdapter

SECRET = "s" * 48
TTL = 600


class Response:
    """What login.LoginCookie.write needs of a Flask, Starlette or Django response."""

    def __init__(self):
        self.cookies = {}

    def set_cookie(self, name, value, **attributes):
        self.cookies[name] = (value, attributes)


@pytest.fixture
def adapter(key_files) -> SgidAdapter:
    return SgidAdapter(
        client_id="unit",
        client_secret="unit-secret",
        private_key=key_files[0].read_text(),
        hostname="http://127.0.0.1:9",  # nothing is fetched here
        redirect_uri="http://127.0.0.1:9/callback",
        scopes=("openid",),
        login_ttl=TTL,
    )


def written(cookie: login.LoginCookie, pending: dict) -> tuple[str, dict]:
    response = Response()
    cookie.write(response, pending)
    return response.cookies[cookie.name]


def test_the_cookie_round_trips_and_keeps_the_newest_attempts(adapter):
    cookie = login.LoginCookie(SECRET, TTL, production=False)
    pending = {}
    states = []
    for _ in range(login.MAX_PENDING + 3):
        pending = cookie.read({cookie.name: written(cookie, pending)[0]})
        login.begin(pending, adapter, "/" + "a" * 500)  # the longest return path kept
        states.append(max(pending, key=lambda s: pending[s]["started"]))
    value, attributes = written(cookie, pending)
    assert len(value) <= MAX_COOKIE_BYTES
    assert attributes == {
        "max_age": TTL,
        "path": "/",
        "secure": False,
        "httponly": True,
        "samesite": "Lax",
    }
    kept = cookie.read({cookie.name: value})
    assert states[-1] in kept and states[0] not in kept and 0 < len(kept) <= login.MAX_PENDING


def test_an_attempt_is_used_once_and_an_empty_cookie_is_expired(adapter):
    cookie = login.LoginCookie(SECRET, TTL, production=True)
    pending = {}
    login.begin(pending, adapter, None)
    (state,) = pending
    callback = login.Callback(state=state, code=None, error="access_denied")
    with pytest.raises(login.CallbackError) as denied:
        login.complete(pending, adapter, callback)
    assert denied.value.kind == "denied"
    with pytest.raises(login.CallbackError) as again:
        login.complete(pending, adapter, callback)
    assert again.value.kind == "expired"
    value, attributes = written(cookie, pending)
    assert cookie.name == "__Host-sgid_login" and value == "" and attributes["max_age"] == 0
    assert attributes["secure"] is True


def test_a_session_cookie_is_not_a_login_cookie():
    cookie = login.LoginCookie(SECRET, TTL, production=False)
    session_value = Sealer(SECRET, "session-cookie-v1", 3600, compress=True).seal({"x": {}})
    assert cookie.read({cookie.name: session_value}) == {}


def test_a_session_that_does_not_fit_is_refused_and_left_empty():
    session = {"csrf_token": "t"}
    identity = login.Identity(sub="s", data={"myinfo.name": "x"})
    with pytest.raises(login.CallbackError) as refused:
        login.sign_in(session, identity, fits=lambda session: False)
    assert refused.value.kind == "too_large" and session == {}
    login.sign_in(session, identity)
    assert session[login.USER_KEY]["sub"] == "s" and "csrf_token" not in session
