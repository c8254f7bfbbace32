"""What a browser does, step by step, in the contract tests."""

from urllib.parse import parse_qs, urlsplit

import requests


class Flow:
    def __init__(self, app_url: str):
        self.app_url = app_url

    def start(self, browser: requests.Session, next_path: str | None = None) -> str:
        """GET /login; return the sgID authorization URL it redirects to."""
        params = {"next": next_path} if next_path is not None else None
        response = browser.get(f"{self.app_url}/login", params=params, allow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def authorize(
        self, browser: requests.Session, authorize_url: str, persona: str | None = None
    ) -> str:
        """Let the emulator approve (auto-approve mode); return the callback URL it sends back."""
        if persona:
            authorize_url += f"&login_hint={persona}"
        response = browser.get(authorize_url, allow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def log_in(
        self, browser: requests.Session, persona: str | None = None, next_path: str | None = None
    ):
        """The whole login; returns the callback's response (a redirect on success)."""
        callback_url = self.authorize(browser, self.start(browser, next_path), persona)
        return browser.get(callback_url, allow_redirects=False)

    def csrf_token(self, browser: requests.Session) -> str:
        page = browser.get(f"{self.app_url}/").text
        marker = 'name="csrf_token" value="'
        assert marker in page, "no logout form: not logged in?"
        return page.split(marker, 1)[1].split('"', 1)[0]

    def is_logged_in(self, browser: requests.Session) -> bool:
        page = browser.get(f"{self.app_url}/").text
        return "Log out" in page


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
