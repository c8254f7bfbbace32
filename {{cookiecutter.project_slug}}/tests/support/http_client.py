"""A person's steps through a login, over plain HTTP (requests) against real servers.

`visitor` is a requests.Session, a person's cookie jar; the real browser is Chromium (tests/e2e).
"""

import re
import socket
from urllib.parse import parse_qs, urljoin, urlsplit

import requests


class Flow:
    def __init__(self, app_url: str):
        self.app_url = app_url

    def start(self, visitor: requests.Session, next_path: str | None = None) -> str:
        """GET /login; return the sgID authorization URL it redirects to."""
        params = {"next": next_path} if next_path is not None else None
        response = visitor.get(f"{self.app_url}/login", params=params, allow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def authorize(
        self, visitor: requests.Session, authorize_url: str, persona: str | None = None
    ) -> str:
        """Let the emulator approve (auto-approve mode); return the callback URL it sends back."""
        if persona:
            authorize_url += f"&login_hint={persona}"
        response = visitor.get(authorize_url, allow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def pick_and_approve(self, visitor: requests.Session, authorize_url: str, persona: str) -> str:
        """Pick a persona and approve, as a person does in the emulator; return the callback URL."""
        picker = visitor.get(authorize_url, allow_redirects=False)
        assert picker.status_code == 200, picker.text
        form_url = urljoin(authorize_url, "/v2/oauth/authorize")
        request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text).group(1)
        consent = visitor.post(
            form_url, data={"request_id": request_id, "persona": persona, "action": "choose"}
        )
        assert consent.status_code == 200 and "Approve" in consent.text, consent.text
        approved = visitor.post(
            form_url, data={"request_id": request_id, "action": "approve"}, allow_redirects=False
        )
        assert approved.status_code == 302, approved.text
        return approved.headers["Location"]

    def log_in(
        self, visitor: requests.Session, persona: str | None = None, next_path: str | None = None
    ):
        """The whole login; returns the callback's response (a redirect on success)."""
        callback_url = self.authorize(visitor, self.start(visitor, next_path), persona)
        return visitor.get(callback_url, allow_redirects=False)

    def csrf_token(self, visitor: requests.Session) -> str:
        page = visitor.get(f"{self.app_url}/").text
        marker = 'name="csrf_token" value="'
        assert marker in page, "no logout form: not logged in?"
        return page.split(marker, 1)[1].split('"', 1)[0]

    def is_logged_in(self, visitor: requests.Session) -> bool:
        page = visitor.get(f"{self.app_url}/").text
        return "Log out" in page

    def callback_here(self, visitor: requests.Session) -> str:
        """Log in up to the callback, which the emulator sends to the main app's URL (the one
        registered); return it on this instance's (an instance of a test's own)."""
        callback = self.authorize(visitor, self.start(visitor))
        return f"{self.app_url}/callback{callback.split('/callback', 1)[1]}"

    def log_in_here(self, visitor: requests.Session) -> requests.Response:
        """log_in, on an instance of a test's own (callback_here)."""
        return visitor.get(self.callback_here(visitor), allow_redirects=False, timeout=30)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def raw_get(url: str, extra_header_lines: list[bytes] = ()) -> tuple[int, bytes]:
    """GET with header bytes sent exactly as given (requests refuses CR, LF and non-Latin-1).

    Returns the status code and the raw response head.
    """
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = [f"GET {path} HTTP/1.1".encode(), f"Host: {parts.netloc}".encode()]
    head += [*extra_header_lines, b"Connection: close", b"", b""]
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(head))
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line = received.split(b"\r\n", 1)[0].split()
    return int(status_line[1]), received.split(b"\r\n\r\n", 1)[0]


# What sgID or the emulator might say that must never reach a page: bodies, error texts, tokens.
RAW_SGID_TEXT = ["fault", "not, valid json", "Service temporarily unavailable", "eyJ", "padding"]


def assert_refused(response: requests.Response, status: int) -> None:
    """A login refused with exactly this status, on a page of the app's, showing nothing of
    sgID's answer."""
    assert response.status_code == status, response.text[:300]
    assert "text/html" in response.headers["Content-Type"]
    assert "Traceback" not in response.text
    assert 'href="/"' in response.text  # a way forward
    for text in RAW_SGID_TEXT:
        assert text not in response.text, f"{text!r} from sgID reached the page"
