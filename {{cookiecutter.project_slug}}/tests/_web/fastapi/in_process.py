"""A login through the emulator, into the app in process (conftest.py's client)."""

from urllib.parse import urlsplit

import requests
from fastapi.testclient import TestClient


def log_in(client: TestClient, persona: str | None = None, next_path: str | None = None):
    """A whole login (the emulator's default persona, unless named); the callback's response."""
    params = {"next": next_path} if next_path else {}
    authorize_url = client.get("/login", params=params).headers["location"]
    if persona:
        authorize_url += f"&login_hint={persona}"
    callback = requests.get(authorize_url, allow_redirects=False, timeout=10).headers["location"]
    return client.get(f"/callback?{urlsplit(callback).query}")
