"""sgID's signing keys: rotation keeps logins working; unknown keys are refetched rarely.

These run on a one-worker app instance, so "at most one JWKS fetch per cooldown" is exact
(its SGID_JWKS_REFRESH_COOLDOWN is 0.5 s).
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.http_client import Flow
from tests.support.instances import SHORT_LIVED

# Each test here waits on purpose for a limit to pass; the quick check leaves them out.
pytestmark = [
    pytest.mark.waits,
    pytest.mark.parametrize("instance_url", ["short_lived"], indirect=True),  # one worker
]

COOLDOWN = float(SHORT_LIVED["SGID_JWKS_REFRESH_COOLDOWN"]) + 0.1


@pytest.fixture
def single(instance_url, emulator) -> Flow:
    """The one-worker app, with its JWKS cache warm and its refetch cooldown over."""
    flow = Flow(instance_url)
    if flow.log_in(requests.Session()).status_code != 303:  # a new key seen within the cooldown
        time.sleep(COOLDOWN)
        assert flow.log_in(requests.Session()).status_code == 303
    time.sleep(COOLDOWN)
    emulator.admin("POST", "reset")
    return flow


def test_unknown_kid_is_refetched_once_then_refused(single, emulator):
    emulator.faults("id_token.unknown_kid")
    with ThreadPoolExecutor(4) as pool:  # all within one cooldown
        statuses = list(pool.map(lambda _: single.log_in(requests.Session()).status_code, range(4)))
    assert statuses == [502] * 4
    # One refetch for the unknown kid, then the cooldown holds back the rest (no fetch flood).
    assert emulator.counts()["jwks"] == 1


@pytest.mark.parametrize("mode", ["wrong_shape", "garbage", "500"])
def test_bad_jwks_document_keeps_the_cached_keys(single, emulator, mode):
    emulator.faults(f"jwks.{mode}", "id_token.unknown_kid")
    assert single.log_in(requests.Session()).status_code == 502  # the unknown kid: refused
    assert emulator.counts()["jwks"] == 1
    emulator.faults(f"jwks.{mode}")  # tokens signed with the known key still verify
    assert single.log_in(requests.Session()).status_code == 303


def test_rotation_just_before_signing(single, emulator):
    emulator.rotate_key(keep_old=False)
    assert single.log_in(requests.Session()).status_code == 303
    assert emulator.counts()["jwks"] == 1


def test_unusable_keys_in_the_jwks_are_ignored(single, emulator):
    emulator.rotate_key(keep_old=False)  # so the JWKS is fetched again
    emulator.faults("jwks.extra_keys")
    assert single.log_in(requests.Session()).status_code == 303
    assert emulator.counts()["jwks"] == 1


def test_key_without_kid_is_used_when_it_is_the_only_one(single, emulator):
    emulator.faults("jwks.no_kid", "id_token.no_kid")
    assert single.log_in(requests.Session()).status_code == 303


def test_keys_without_kid_are_refused_when_there_are_several(single, emulator):
    """Pinned choice (checklist 2.15): with several keys and no kid, refuse rather than guess."""
    emulator.rotate_key(keep_old=True)
    assert single.log_in(requests.Session()).status_code == 303  # both keys cached, with kids
    time.sleep(COOLDOWN)
    emulator.faults("jwks.no_kid", "id_token.no_kid")
    assert single.log_in(requests.Session()).status_code == 502
