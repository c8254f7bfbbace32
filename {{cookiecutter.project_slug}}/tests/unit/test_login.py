"""sgid/login.py, function by function, with no server: each attempt's own state, nonce and
PKCE verifier; an attempt used once and only within the login TTL; the callback's parameters;
the session's idle and absolute limits; and the login cookie (at most MAX_PENDING attempts,
always small enough to keep).
"""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from {{ cookiecutter.package_name }}.security.sealed_cookies import MAX_COOKIE_BYTES, Sealer
from {{ cookiecutter.package_name }}.sgid import login
from {{ cookiecutter.package_name }}.sgid.adapter import Identity, SgidAdapter, SgidError

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


# --- one attempt: state, nonce, PKCE, used once, within the TTL --------------------------------

NOW = 1_800_000_000.0


class FakeSgid:
    """What login.complete needs of SgidAdapter, recording what it was asked."""

    issuer = "https://sgid.example/v2"
    login_ttl = TTL

    def __init__(self, error: SgidError | None = None):
        self.error = error
        self.calls: list[dict] = []

    def finish_login(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        self.calls.append({"code": code, "code_verifier": code_verifier, "nonce": nonce})
        if self.error is not None:
            raise self.error
        return Identity(sub="s-1", data={"myinfo.name": "TAN AH KOW"})


@pytest.fixture
def clock(monkeypatch):
    """login.py's clock, set by the test: clock.now = ..."""

    class Clock:
        now = NOW

    monkeypatch.setattr(login.time, "time", lambda: Clock.now)
    return Clock


def attempt(started: float = NOW, **changes) -> dict:
    return {
        "nonce": "n-1",
        "verifier": "v-1",
        "return_to": "/profile",
        "issuer": FakeSgid.issuer,
        "started": started,
        **changes,
    }


def test_each_attempt_has_its_own_state_nonce_and_pkce_verifier(adapter):
    pending = {}
    urls = [login.begin(pending, adapter, None) for _ in range(login.MAX_PENDING)]
    assert len(pending) == login.MAX_PENDING
    nonces = {a["nonce"] for a in pending.values()}
    verifiers = {a["verifier"] for a in pending.values()}
    assert len(nonces) == len(verifiers) == login.MAX_PENDING
    for url in urls:
        sent = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        kept = pending[sent["state"]]
        assert sent["nonce"] == kept["nonce"]
        # sgID gets the S256 challenge of the verifier; the verifier itself stays here.
        digest = hashlib.sha256(kept["verifier"].encode("ascii")).digest()
        assert sent["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        assert sent["code_challenge_method"] == "S256"
        assert kept["verifier"] not in url


def test_an_attempt_keeps_only_a_local_return_path(adapter):
    pending = {}
    login.begin(pending, adapter, "https://evil.example/")
    login.begin(pending, adapter, "/profile?tab=1")
    assert sorted(a["return_to"] for a in pending.values()) == ["/", "/profile?tab=1"]


def test_the_callback_is_finished_with_its_own_attempts_verifier_and_nonce(clock):
    sgid = FakeSgid()
    pending = {"s-1": attempt(), "s-2": attempt(nonce="n-2", verifier="v-2")}
    callback = login.Callback(state="s-2", code="c", error=None)
    identity, return_to = login.complete(pending, sgid, callback)
    assert sgid.calls == [{"code": "c", "code_verifier": "v-2", "nonce": "n-2"}]
    assert identity.sub == "s-1" and return_to == "/profile"
    assert list(pending) == ["s-1"]  # the other attempt is still there


def test_a_replayed_callback_finds_nothing_and_sgid_is_not_called_again(clock):
    sgid = FakeSgid()
    pending = {"s-1": attempt()}
    callback = login.Callback(state="s-1", code="c", error=None)
    login.complete(pending, sgid, callback)
    with pytest.raises(login.CallbackError) as replayed:
        login.complete(pending, sgid, callback)
    assert replayed.value.kind == "expired"
    assert len(sgid.calls) == 1


def test_an_unknown_state_is_expired(clock):
    with pytest.raises(login.CallbackError) as caught:
        login.complete({"s-1": attempt()}, FakeSgid(), login.Callback("other", "c", None))
    assert caught.value.kind == "expired"


@pytest.mark.parametrize(
    ("age", "kind"), [(TTL - 1, None), (TTL, "expired"), (TTL + 60, "expired")]
)
def test_an_attempt_lives_the_login_ttl(clock, age, kind):
    sgid = FakeSgid()
    pending = {"s-1": attempt(started=NOW - age)}
    callback = login.Callback(state="s-1", code="c", error=None)
    if kind is None:
        login.complete(pending, sgid, callback)
        return
    with pytest.raises(login.CallbackError) as caught:
        login.complete(pending, sgid, callback)
    assert caught.value.kind == kind and sgid.calls == [] and pending == {}


def test_starting_a_login_drops_expired_attempts(adapter, clock):
    pending = {"old": attempt(started=NOW - TTL), "fresh": attempt(started=NOW - 1)}
    login.begin(pending, adapter, None)
    assert "old" not in pending and "fresh" in pending and len(pending) == 2


def test_an_attempt_started_with_another_issuer_is_expired(clock):
    sgid = FakeSgid()
    pending = {"s-1": attempt(issuer="https://other.example/v2")}
    with pytest.raises(login.CallbackError) as caught:
        login.complete(pending, sgid, login.Callback("s-1", "c", None))
    assert caught.value.kind == "expired" and sgid.calls == []


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (SgidError("sgID did not answer", unavailable=True), "unavailable"),
        (SgidError("ID token refused: bad nonce"), "refused"),
    ],
)
def test_sgid_failures_are_told_apart(clock, error, kind):
    with pytest.raises(login.CallbackError) as caught:
        login.complete({"s-1": attempt()}, FakeSgid(error), login.Callback("s-1", "c", None))
    assert caught.value.kind == kind and caught.value.reason == error.reason


@pytest.mark.parametrize(
    ("error", "kind"), [("access_denied", "denied"), ("server_error", "failed")]
)
def test_an_error_from_sgid_ends_the_attempt_without_calling_it(clock, error, kind):
    sgid, pending = FakeSgid(), {"s-1": attempt()}
    with pytest.raises(login.CallbackError) as caught:
        login.complete(pending, sgid, login.Callback("s-1", None, error))
    assert caught.value.kind == kind and sgid.calls == [] and pending == {}


# --- the callback's parameters -----------------------------------------------------------------


def test_a_callback_with_state_and_code_is_read():
    assert login.parse_callback([("code", "c"), ("state", "s")]) == login.Callback("s", "c", None)
    assert login.parse_callback([("error", "e"), ("state", "s")]) == login.Callback("s", None, "e")


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ([("code", "c")], "state missing"),
        ([("state", ""), ("code", "c")], "state missing"),
        ([("state", "s")], "exactly one of code and error"),
        ([("state", "s"), ("code", "c"), ("error", "e")], "exactly one of code and error"),
        ([("state", "s"), ("state", "t"), ("code", "c")], "repeated"),
        ([("state", "s"), ("code", "c" * (login.MAX_PARAM_LENGTH + 1))], "too long"),
        ([("state", "s\r\nSet-Cookie: x=1"), ("code", "c")], "control characters"),
    ],
)
def test_malformed_callbacks_are_invalid(params, reason):
    with pytest.raises(login.CallbackError) as caught:
        login.parse_callback(params)
    assert caught.value.kind == "invalid" and reason in caught.value.reason


# --- the logged-in session: idle and absolute limits --------------------------------------------

IDLE, MAX = 30 * 60, 8 * 3600


def signed_in(clock) -> dict:
    session = {}
    login.sign_in(session, Identity(sub="s-1", data={}))
    return session


def test_a_session_ends_when_idle_longer_than_the_idle_limit(clock):
    session = signed_in(clock)
    clock.now = NOW + IDLE
    assert login.current_user(session, IDLE, MAX)["sub"] == "s-1"
    clock.now = NOW + 2 * IDLE + 1  # idle since the last visit, which moved "seen"
    assert login.current_user(session, IDLE, MAX) is None
    assert session == {}


def test_activity_keeps_a_session_only_until_the_absolute_limit(clock):
    session = signed_in(clock)
    while clock.now + IDLE / 2 <= NOW + MAX:
        clock.now += IDLE / 2
        assert login.current_user(session, IDLE, MAX) is not None
    clock.now = NOW + MAX + 1
    assert login.current_user(session, IDLE, MAX) is None
    assert session == {}


def test_last_seen_is_written_at_most_every_touch_interval(clock):
    session = signed_in(clock)
    clock.now = NOW + login.TOUCH_EVERY - 1
    login.current_user(session, IDLE, MAX)
    assert session[login.USER_KEY]["seen"] == NOW  # spares the session store a write
    clock.now = NOW + login.TOUCH_EVERY
    login.current_user(session, IDLE, MAX)
    assert session[login.USER_KEY]["seen"] == NOW + login.TOUCH_EVERY


def test_a_session_without_a_user_has_nobody_logged_in():
    assert login.current_user({}, IDLE, MAX) is None
    assert login.current_user({login.USER_KEY: "tampered"}, IDLE, MAX) is None
