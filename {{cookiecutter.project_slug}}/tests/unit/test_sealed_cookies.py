"""Sealed cookies: unreadable, tamper-evident, purpose-bound, and what seals also unseals."""

import secrets
import time

import pytest

from {{ cookiecutter.package_name }}.security.sealed_cookies import MAX_COOKIE_BYTES, CookieTooLarge, Sealer

SECRET = "s" * 48


def test_a_sealed_value_reads_back_and_hides_its_data():
    sealer = Sealer(SECRET, "test-v1", 60)
    value = sealer.seal({"name": "Tan Ah Kow"})
    assert "Tan" not in value and sealer.unseal(value) == {"name": "Tan Ah Kow"}


def test_tampered_foreign_other_purpose_and_expired_values_are_refused(monkeypatch):
    sealer = Sealer(SECRET, "test-v1", 60)
    value = sealer.seal({"a": 1})
    middle = len(value) // 2
    assert (
        sealer.unseal(value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :])
        is None
    )
    assert Sealer("t" * 48, "test-v1", 60).unseal(value) is None
    assert Sealer(SECRET, "other-v1", 60).unseal(value) is None
    monkeypatch.setattr(time, "time", lambda: 1e12)  # far in the future
    assert sealer.unseal(value) is None


@pytest.mark.parametrize("compress", [True, False])
def test_sealing_refuses_what_unsealing_would_refuse(compress):
    """A value over the limits is refused when sealed, never set and then silently dropped."""
    sealer = Sealer(SECRET, "test-v1", 60, compress=compress, max_plain_bytes=16 * 1024)
    # 600 kB and 17 kB that compress to almost nothing; 12 kB that hardly compresses.
    for data in ({"v": "x" * 600_000}, {"v": "x" * 17_000}, {"v": secrets.token_hex(6000)}):
        with pytest.raises(CookieTooLarge):
            sealer.seal(data)
        assert not sealer.fits(data)
    small = {"v": "x" * 3500}
    assert sealer.fits(small) == compress  # 3.5 kB of "x" fits only compressed
    if compress:
        assert sealer.unseal(sealer.seal(small)) == small
        assert not sealer.fits(small, spare_bytes=MAX_COOKIE_BYTES)
