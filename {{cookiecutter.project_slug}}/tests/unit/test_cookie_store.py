"""The cookie store's session sealer (stores/cookie.py): a profile of a few kB fits the 4 kB
cookie compressed, room is kept at login for what the session gains later, and what cannot be
kept is refused when sealed, never set and then dropped by the browser."""

import secrets
import time

import pytest

from {{ cookiecutter.package_name }}.security.sealed_cookies import MAX_COOKIE_BYTES, CookieTooLarge, Sealer
from {{ cookiecutter.package_name }}.stores.cookie import MAX_SESSION_BYTES, SPARE_BYTES, SessionSealer

SECRET = "s" * 48


def session_of(value: str) -> dict:
    return {"user": {"sub": "s-1", "data": {"myinfo.name": value}, "since": 1, "seen": 1}}


def random_text(length: int) -> str:
    """Text that hardly compresses."""
    return secrets.token_urlsafe(length)[:length]


def test_a_session_reads_back_and_a_repetitive_profile_fits_compressed():
    sealer = SessionSealer(SECRET, 3600)
    session = session_of("Blk 1 Tan Tock Seng Avenue " * 200)  # 5.4 kB before compression
    value = sealer.seal(session)
    assert len(value) < MAX_COOKIE_BYTES and "Tan" not in value
    assert sealer.unseal(value) == session


def test_at_login_room_is_kept_for_what_the_session_gains_later():
    sealer = SessionSealer(SECRET, 3600)
    # Random text hardly compresses: find a session that seals, but without SPARE_BYTES to spare.
    for size in range(2000, 4000, 10):
        session = session_of(random_text(size))
        room = MAX_COOKIE_BYTES - len(sealer.seal(session))
        if 0 <= room < SPARE_BYTES:
            break
    else:
        pytest.fail("no session sealed within SPARE_BYTES of the limit")
    assert sealer.fits(session) and not sealer.fits_at_login(session)
    assert sealer.fits_at_login(session_of("TAN AH KOW"))


def test_a_session_over_the_limits_is_refused_when_sealed():
    sealer = SessionSealer(SECRET, 3600)
    too_long = session_of("x" * MAX_SESSION_BYTES)  # compresses well, but over the plain limit
    incompressible = session_of(random_text(6000))  # under it, but about 6 kB sealed
    for session in (too_long, incompressible):
        with pytest.raises(CookieTooLarge):
            sealer.seal(session)
        assert not sealer.fits_at_login(session)


def test_only_a_fresh_session_cookie_under_this_secret_is_read(monkeypatch):
    sealer = SessionSealer(SECRET, 3600)
    value = sealer.seal(session_of("TAN AH KOW"))
    assert SessionSealer("t" * 48, 3600).unseal(value) is None
    login_cookie = Sealer(SECRET, "login-cookie-v1", 3600).seal(session_of("TAN AH KOW"))
    assert sealer.unseal(login_cookie) is None
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3601)
    assert sealer.unseal(value) is None
