"""What sgID (or a mock of it) may answer: other formats that are still safe are accepted,
hostile ones refused. Black-box over HTTP, driven by the emulator's userinfo and ID token faults.
"""

import html
import re

import pytest

from tests.conftest import DEFAULT_PERSONA, DEFAULT_SCOPES, personas

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


@pytest.mark.skipif(not DATA_SCOPES, reason="openid-only projects get no encrypted userinfo")
def test_mockpass_encryption_logs_in(flow, browser, emulator):
    """MockPass wraps the key with RSA-OAEP/A128CBC-HS256 and the fields with dir/A256GCM."""
    emulator.faults("userinfo.mockpass_algs")
    assert flow.log_in(browser).status_code == 303
    page = html.unescape(browser.get(f"{flow.app_url}/").text)
    assert "Log out" in page
    for value in PLAIN_VALUES:
        assert value in page
