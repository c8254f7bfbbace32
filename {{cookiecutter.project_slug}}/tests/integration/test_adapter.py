"""The sgID adapter against real servers: the emulator (the SDK defects it routes around stay
routed around) and raw sockets sending what no HTTP server would, slowly.
"""

import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from {{ cookiecutter.package_name }}.sgid.adapter import SgidAdapter, SgidError

from tests.support.servers import CLIENT_ID, CLIENT_SECRET


@pytest.fixture
def adapter(emulator, key_files, app_port) -> SgidAdapter:
    return SgidAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key=key_files[0].read_text(),
        hostname=emulator.base_url + "/",
        redirect_uri=f"http://127.0.0.1:{app_port}/callback",
        scopes=("openid", "myinfo.name"),
        timeouts=(0.5, 0.5),
    )


def approve(start, persona: str) -> str:
    location = requests.get(f"{start.url}&login_hint={persona}", allow_redirects=False, timeout=5)
    return parse_qs(urlsplit(location.headers["Location"]).query)["code"][0]


def test_non_ascii_values_arrive_intact(adapter):
    start = adapter.start_login()
    identity = adapter.finish_login(
        code=approve(start, "jose"), code_verifier=start.code_verifier, nonce=start.nonce
    )
    assert identity.data["myinfo.name"] == "JOSÉ D'SOUZA"


def test_a_hanging_sgid_fails_within_the_timeout(adapter, emulator):
    start = adapter.start_login()
    code = approve(start, "denise")
    emulator.faults("token.hang", hang_seconds=3)
    began = time.monotonic()
    with pytest.raises(SgidError) as caught:
        adapter.finish_login(code=code, code_verifier=start.code_verifier, nonce=start.nonce)
    assert caught.value.unavailable
    assert time.monotonic() - began < 2


def test_an_answer_that_stalls_midway_is_an_outage_too(key_files, app_port):
    """The body is read from urllib3 directly, whose read timeout is not a requests error."""
    listener = socket.create_server(("127.0.0.1", 0))
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n"

    def answer_then_stall() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(head + b'{"access_token": "')
            time.sleep(3)

    threading.Thread(target=answer_then_stall, daemon=True).start()
    stalling = SgidAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key=key_files[0].read_text(),
        hostname=f"http://127.0.0.1:{listener.getsockname()[1]}/",
        redirect_uri=f"http://127.0.0.1:{app_port}/callback",
        scopes=("openid", "myinfo.name"),
        timeouts=(0.5, 0.5),
    )
    start = stalling.start_login()
    with listener, pytest.raises(SgidError) as caught:
        stalling.finish_login(code="code", code_verifier=start.code_verifier, nonce=start.nonce)
    assert caught.value.unavailable


def test_errors_never_carry_sgid_response_text(adapter, emulator):
    start = adapter.start_login()
    code = approve(start, "denise")
    emulator.faults("token.html")
    with pytest.raises(SgidError) as caught:
        adapter.finish_login(code=code, code_verifier=start.code_verifier, nonce=start.nonce)
    assert "<" not in caught.value.reason


# --- the wall-clock deadline -------------------------------------------------------------------


def trickling_server(head_at_once: bool, close: bool) -> tuple[socket.socket, threading.Event]:
    """One answer sent a byte every 0.2 s: each read is quick, the answer never ends in time."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    body = b'{"access_token": "' + b"a" * 100 + b'"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    head += b"Connection: close\r\n" if close else b""  # http.client then drops conn.sock
    head += b"Content-Length: %d\r\n\r\n" % len(body)

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            answer, at = head + body, len(head) if head_at_once else 0
            try:
                connection.sendall(answer[:at])
                for i in range(at, len(answer)):
                    if stop.wait(0.2):
                        return
                    connection.sendall(answer[i : i + 1])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


@pytest.mark.parametrize(
    ("head_at_once", "close"),
    [(True, False), (False, False), (True, True)],
    ids=["body", "head", "body-connection-close"],
)
def test_a_trickled_answer_is_cut_off_at_the_deadline(key_files, head_at_once, close):
    listener, stop = trickling_server(head_at_once, close)
    trickled = SgidAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key=key_files[0].read_text(),
        hostname=f"http://127.0.0.1:{listener.getsockname()[1]}",
        redirect_uri="http://127.0.0.1:9/callback",
        scopes=("openid", "myinfo.name"),
        timeouts=(0.5, 0.5),
        callback_deadline=1.0,
    )
    start = trickled.start_login()
    began = time.monotonic()
    with listener, pytest.raises(SgidError) as caught:
        trickled.finish_login(code="code", code_verifier=start.code_verifier, nonce=start.nonce)
    elapsed = time.monotonic() - began
    stop.set()
    assert caught.value.unavailable
    assert "deadline" in caught.value.reason
    assert elapsed < 1.5  # the trickle would take 20 s or more
