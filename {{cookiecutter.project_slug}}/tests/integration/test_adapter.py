"""The sgID adapter against real servers: the emulator (the SDK defects it routes around stay
routed around) and raw sockets sending what no HTTP server would, slowly.
"""

import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from {{ cookiecutter.package_name }}.sgid.adapter import SgidAdapter, SgidError, within_deadline

from tests.support.servers import CLIENT_ID, CLIENT_SECRET


def adapter_at(hostname: str, key_files, **options) -> SgidAdapter:
    """An adapter for the tests' client, talking to `hostname` with short limits."""
    settings = {
        "redirect_uri": "http://127.0.0.1:9/callback",
        "scopes": ("openid", "myinfo.name"),
        "timeouts": (0.5, 0.5),
        **options,
    }
    return SgidAdapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key=key_files[0].read_text(),
        hostname=hostname,
        **settings,
    )


def listening_at(listener) -> str:
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def adapter(emulator, key_files, app_port) -> SgidAdapter:
    return adapter_at(
        emulator.base_url + "/", key_files, redirect_uri=f"http://127.0.0.1:{app_port}/callback"
    )


def approve(start, persona: str, browser=requests) -> str:
    location = browser.get(f"{start.url}&login_hint={persona}", allow_redirects=False, timeout=5)
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
    """A read timeout midway through the body (raised by urllib3 as it reads) is an outage."""
    listener = socket.create_server(("127.0.0.1", 0))
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n"

    def answer_then_stall() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(head + b'{"access_token": "')
            time.sleep(3)

    threading.Thread(target=answer_then_stall, daemon=True).start()
    stalling = adapter_at(
        listening_at(listener) + "/",
        key_files,
        redirect_uri=f"http://127.0.0.1:{app_port}/callback",
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
    trickled = adapter_at(listening_at(listener), key_files, callback_deadline=1.0)
    start = trickled.start_login()
    began = time.monotonic()
    with listener, pytest.raises(SgidError) as caught:
        trickled.finish_login(code="code", code_verifier=start.code_verifier, nonce=start.nonce)
    elapsed = time.monotonic() - began
    stop.set()
    assert caught.value.unavailable
    assert "deadline" in caught.value.reason
    assert elapsed < 1.5  # the trickle would take 20 s or more


def test_one_thread_keeps_every_deadline_and_an_earlier_one_still_fires_in_time(
    emulator, key_files, app_port
):
    """The process's one deadline thread serves every callback (not a thread per callback),
    and a callback whose deadline is nearer than the one the thread waits for is still cut
    off on time."""
    adapter = adapter_at(
        emulator.base_url,
        key_files,
        redirect_uri=f"http://127.0.0.1:{app_port}/callback",
        scopes=("openid",),
    )
    jwks = f"{adapter.issuer}/.well-known/jwks.json"
    for _ in range(20):
        with within_deadline(30):
            adapter._get(jwks)
    keepers = [t for t in threading.enumerate() if t.name == "sgid-deadline"]
    assert len(keepers) == 1

    in_flight, finished = threading.Event(), threading.Event()

    def long_callback() -> None:
        with within_deadline(30):
            adapter._get(jwks)  # watched: the thread now waits for a deadline 30 s away
            in_flight.set()
            finished.wait(10)

    other = threading.Thread(target=long_callback)
    other.start()
    listener, stop = trickling_server(head_at_once=True, close=False)
    try:
        assert in_flight.wait(5)
        trickled = adapter_at(listening_at(listener), key_files, callback_deadline=1.0)
        start = trickled.start_login()
        began = time.monotonic()
        with listener, pytest.raises(SgidError) as caught:
            trickled.finish_login(code="code", code_verifier=start.code_verifier, nonce=start.nonce)
        assert "deadline" in caught.value.reason
        assert time.monotonic() - began < 1.5
    finally:
        stop.set()
        finished.set()
        other.join()
    assert [t for t in threading.enumerate() if t.name == "sgid-deadline"] == keepers


# --- kept-alive connections ----------------------------------------------------------------------


def test_logins_reuse_kept_alive_connections(adapter, emulator):
    """Several threads log in at once through one adapter: each sgID call after a thread's
    first rides a pooled connection, so the emulator accepts at most one per thread."""
    threads, per_thread = 3, 4
    with requests.Session() as browser:  # one kept-alive connection for the authorize pages
        starts = [adapter.start_login() for _ in range(threads * per_thread)]
        codes = [approve(start, "denise", browser) for start in starts]
    before = emulator.connections()
    ready = threading.Barrier(threads)

    def log_in(batch: list[int]) -> list[str]:
        ready.wait()
        return [
            adapter.finish_login(
                code=codes[i], code_verifier=starts[i].code_verifier, nonce=starts[i].nonce
            ).sub
            for i in batch
        ]

    with ThreadPoolExecutor(threads) as pool:
        batches = [range(t, threads * per_thread, threads) for t in range(threads)]
        subs = [sub for result in pool.map(log_in, batches) for sub in result]
    opened = emulator.connections() - before - 1  # not the stats call's own connection
    counts = emulator.counts()
    calls = counts["token"] + counts["userinfo"] + counts["jwks"]
    assert len(set(subs)) == 1 and len(subs) == threads * per_thread
    assert calls >= 2 * threads * per_thread
    assert 1 <= opened <= threads, f"{calls} sgID calls opened {opened} connections"


def test_a_deadline_passing_never_cuts_a_connection_another_callback_took(
    emulator, key_files, app_port
):
    """A connection goes back to the pool when its answer is read, and leaves its callback's
    watchdog then: that callback's deadline passing later (its next call hanging, say) must not
    shut the connection under the callback now using it."""
    adapter = adapter_at(
        emulator.base_url,
        key_files,
        redirect_uri=f"http://127.0.0.1:{app_port}/callback",
        scopes=("openid",),
        timeouts=(3, 3),
    )
    jwks = f"{adapter.issuer}/.well-known/jwks.json"
    released, finished = threading.Event(), threading.Event()

    def slow_callback() -> None:
        with within_deadline(0.3):
            adapter._get(jwks)  # its connection back in the pool
            released.set()
            finished.wait(5)  # still in the callback when its deadline passes

    first = threading.Thread(target=slow_callback)
    first.start()
    try:
        assert released.wait(5)
        # Answers after the first's deadline, well within the read timeout.
        emulator.faults("jwks.hang", hang_seconds=1.0)
        before = emulator.connections()
        with within_deadline(5):
            assert b'"keys"' in adapter._get(jwks)
        assert emulator.connections() - before - 1 == 0  # it did ride the first's connection
    finally:
        finished.set()
        first.join()


def kept_alive_server(answer: bytes) -> tuple[socket.socket, list[list[str]]]:
    """Answers the first request on each connection, then hangs up on the next one unanswered,
    as a server does when its keep-alive timeout ends just as a request arrives. Returns the
    listener and, per connection, the request lines it received."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[list[str]] = []

    def read_request(reader) -> str | None:
        line = reader.readline().decode("latin-1").strip()
        length = 0
        while header := reader.readline().strip():
            name, _, value = header.decode("latin-1").partition(":")
            length = int(value) if name.lower() == "content-length" else length
        reader.read(length)
        return line or None

    def serve(connection: socket.socket) -> None:
        requests_seen: list[str] = []
        seen.append(requests_seen)
        with connection, connection.makefile("rb") as reader:
            for number in range(2):
                line = read_request(reader)
                if line is None:
                    return
                requests_seen.append(line)
                if number == 0:
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    connection.sendall(head + b"Content-Length: %d\r\n\r\n" % len(answer))
                    connection.sendall(answer)

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, seen


def test_a_get_on_a_connection_the_server_closed_is_tried_once_more(key_files):
    listener, seen = kept_alive_server(b'{"keys": []}')
    stale = adapter_at(listening_at(listener), key_files)
    jwks = f"{stale.issuer}/.well-known/jwks.json"
    with listener:
        assert stale._get(jwks) == b'{"keys": []}'
        assert stale._get(jwks) == b'{"keys": []}'  # the pooled one was dropped: a new one
    assert [len(requests_seen) for requests_seen in seen] == [2, 1]


def test_the_token_post_is_never_sent_twice(key_files):
    """A code is good for one exchange: a POST on a connection the server closed is reported as
    sgID unavailable, never re-sent (the server may have acted on it)."""
    listener, seen = kept_alive_server(b'{"error": "invalid_grant"}')
    stale = adapter_at(listening_at(listener), key_files)
    start = stale.start_login()
    with listener:
        with pytest.raises(SgidError) as first:
            stale.finish_login(code="one", code_verifier=start.code_verifier, nonce=start.nonce)
        assert not first.value.unavailable  # refused, on a connection now in the pool
        with pytest.raises(SgidError) as second:
            stale.finish_login(code="two", code_verifier=start.code_verifier, nonce=start.nonce)
    assert second.value.unavailable
    assert len(seen) == 1
    assert [line.split()[0] for line in seen[0]] == ["POST", "POST"]


# --- a forward proxy named by the environment ----------------------------------------------------


def forward_proxy() -> tuple[ThreadingHTTPServer, list[str]]:
    """An HTTP forward proxy on a loopback port, relaying each request to the host it names,
    and the list of the requests it relayed ("POST /v2/oauth/token")."""
    relayed: list[str] = []

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def relay(self) -> None:
            target = urlsplit(self.path)  # absolute form: how a client talks to a proxy
            relayed.append(f"{self.command} {target.path}")
            length = int(self.headers.get("Content-Length") or 0)
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
            with_query = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(
                self.command, with_query, self.rfile.read(length), dict(self.headers.items())
            )
            answer = upstream.getresponse()
            body = answer.read()
            upstream.close()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type", ""))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = relay

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, relayed


@pytest.mark.parametrize(
    ("no_proxy", "through_the_proxy"),
    [
        ("", ["POST /v2/oauth/token", "GET /v2/.well-known/jwks.json", "GET /v2/oauth/userinfo"]),
        ("127.0.0.1", []),
    ],
)
def test_sgid_is_called_through_the_environments_proxy(
    emulator, key_files, app_port, monkeypatch, no_proxy, through_the_proxy
):
    proxy, relayed = forward_proxy()
    with monkeypatch.context() as env:  # read when the adapter is made
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "all_proxy"):
            env.delenv(name, raising=False)
        env.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_port}")
        env.setenv("no_proxy", no_proxy)
        proxied = adapter_at(
            emulator.base_url + "/", key_files, redirect_uri=f"http://127.0.0.1:{app_port}/callback"
        )
    start = proxied.start_login()
    identity = proxied.finish_login(
        code=approve(start, "denise"), code_verifier=start.code_verifier, nonce=start.nonce
    )
    proxy.shutdown()
    assert identity.data["myinfo.name"] == "DENISE TAN HUI MIN"
    assert relayed == through_the_proxy
