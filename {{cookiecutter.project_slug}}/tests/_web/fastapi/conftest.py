"""The FastAPI app in process, through Starlette's TestClient, beside the suite's emulator."""

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import load_settings
from {{ cookiecutter.package_name }}.web import create_app


@pytest.fixture
def settings(app_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the SQLite store, if any, goes in a scratch directory
    return load_settings(app_env)


@pytest.fixture
def client(settings):
    # As a context manager: one event loop for the whole test, as under uvicorn.
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client
