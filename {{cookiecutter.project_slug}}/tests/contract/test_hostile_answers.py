"""What sgID (or a mock of it) may answer: other formats that are still safe are accepted,
hostile ones refused in bounded time and memory, and only the requested scopes kept.
Black-box over HTTP, driven by the emulator's userinfo and ID token faults.
"""

import html
import os
import re
from pathlib import Path

import pytest
import requests

from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES

from tests.support.emulator import DEFAULT_PERSONA, personas
from tests.support.http_client import Flow, assert_refused
from tests.support.instances import SGID_LIMITS, own_instance

DATA_SCOPES = [s for s in DEFAULT_SCOPES.split() if s != "openid"]
PERSONA = personas()[DEFAULT_PERSONA]
# The persona's values the profile page shows as they are (not lists, dates, addresses or NA).
PLAIN_VALUES = [
    value
    for value in (PERSONA["data"][s] for s in DATA_SCOPES)
    if value not in ("", "NA")
    and value[:1] not in "[{"
    and "\n" not in value
    and not re.fullmatch(r"\d{4}(-\d{2}){0,2}", value)
]
needs_data = pytest.mark.skipif(
    not DATA_SCOPES, reason="openid-only projects get no encrypted userinfo"
)
# Each stays under the 1 MB body cap, so only the userinfo checks can refuse it.
HOSTILE_USERINFO = [
    "userinfo.zip_bomb_field",  # a field inflating to 100 MB
    "userinfo.zip_key",  # the key JWE compressed, its JWK inflating to 100 MB
    "userinfo.huge_field",  # a 100 kB value
    "userinfo.many_fields",  # 2,000 fields
    "userinfo.huge_key_jwk",  # a 500 kB key JWK
]
# What the emulator's userinfo.extra_fields adds (tokens.EXTRA_FIELDS), by a value it shows.
EXTRA_FIELDS = {
    "myinfo.nric_number": "S1234567D",
    "pocdex.public_officer_details": "EXTRA FIELD AGENCY",
    '<script>alert("extra")</script>': "onerror",
}


@needs_data
def test_mockpass_encryption_logs_in(flow, visitor, emulator):
    """MockPass wraps the key with RSA-OAEP/A128CBC-HS256 and the fields with dir/A256GCM."""
    emulator.faults("userinfo.mockpass_algs")
    assert flow.log_in(visitor).status_code == 303
    page = html.unescape(visitor.get(f"{flow.app_url}/profile").text)
    assert "Log out" in page
    for value in PLAIN_VALUES:
        assert value in page


@needs_data
@pytest.mark.parametrize("fault", HOSTILE_USERINFO)
def test_hostile_userinfo_is_refused(flow, visitor, emulator, fault):
    emulator.faults(fault)
    # Refused without inflating anything: test_a_zip_bomb_costs_no_memory measures that (a
    # time bound here also timed the emulator building its bomb, and flaked under load).
    assert_refused(flow.log_in(visitor), 502)
    assert not flow.is_logged_in(visitor)


def test_a_sub_with_percent_escapes_is_taken_as_signed(flow, visitor, emulator):
    """Read from the verified payload, the sub is '<sub>%22%2C%22sub…' in the ID token and in
    userinfo alike, so the login succeeds. Percent-decoded first (as sgid-client does), it
    would read as "someone-else", and the login would fail the userinfo sub check."""
    emulator.faults("id_token.percent_sub")
    assert flow.log_in(visitor).status_code == 303
    assert flow.is_logged_in(visitor)


def test_fields_not_requested_are_dropped_and_counted(flow, visitor, emulator, log_of):
    emulator.faults("userinfo.extra_fields")
    assert flow.log_in(visitor).status_code == 303
    page = html.unescape(visitor.get(f"{flow.app_url}/profile").text)
    assert "Log out" in page
    extra = {name: shown for name, shown in EXTRA_FIELDS.items() if name not in DATA_SCOPES}
    for name, shown in extra.items():
        assert shown not in page and name not in page
    for value in PLAIN_VALUES:  # what was asked for is still there
        assert value in page
    catalog = sorted(name for name in extra if name.startswith(("myinfo.", "pocdex.")))
    expected = f"dropped {len(extra)} field(s) for scopes not requested: {', '.join(catalog)}"
    lines = [line for line in log_of(flow.app_url) if "dropped" in line]
    assert lines and expected in lines[-1] and "and 1 other name(s)" in lines[-1]
    for line in log_of(flow.app_url):
        assert not any(shown in line for shown in EXTRA_FIELDS.values())
        assert "<script>" not in line


def test_userinfo_without_key_and_data(flow, visitor, emulator):
    """sgID answers every requested scope (NA when empty): no key and no data is malformed
    unless only openid was asked for."""
    emulator.faults("userinfo.no_data")
    if DATA_SCOPES:
        assert_refused(flow.log_in(visitor), 502)
        assert not flow.is_logged_in(visitor)
    else:
        assert flow.log_in(visitor).status_code == 303
        assert flow.is_logged_in(visitor)


# --- memory, measured on an app instance of its own ------------------------------------------


@pytest.fixture(scope="module")
def single(workdir, app_env):
    """An instance with production's limits on sgID calls: the emulator may take over a second
    to build its bomb on a busy machine, and the login must be refused (502), not time out."""
    yield from own_instance(workdir / "app-memory.log", app_env, **dict.fromkeys(SGID_LIMITS))


def peak_resident_kb(pid: int) -> int:
    """The summed peak resident memory (VmHWM) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    return total


@needs_data
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
@pytest.mark.parametrize("fault", ["userinfo.zip_bomb_field", "userinfo.zip_key"])
def test_a_zip_bomb_costs_no_memory(single, emulator, fault):
    url, process = single
    flow = Flow(url)
    assert flow.log_in_here(requests.Session()).status_code == 303  # warm: imports, keys, pools
    before = peak_resident_kb(process.pid)
    emulator.faults(fault)
    assert flow.log_in_here(requests.Session()).status_code == 502
    grown = peak_resident_kb(process.pid) - before
    assert grown < 8 * 1024, f"peak resident memory grew by {grown} kB"
