"""The Flask app factory: routes, methods and the cookie settings it wires up."""

import pytest

from {{ cookiecutter.package_name }}.config import ConfigError, load_settings
from {{ cookiecutter.package_name }}.web import create_app


@pytest.fixture
def app(app_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the SQLite store, if any, goes in a scratch directory
    return create_app(load_settings(app_env))


def test_routes_and_methods(app):
    rules = {rule.rule: rule.methods for rule in app.url_map.iter_rules()}
    assert "GET" in rules["/"] and "GET" in rules["/login"] and "GET" in rules["/callback"]
    assert "POST" in rules["/logout"] and "GET" not in rules["/logout"]
    assert "GET" in rules["/healthz"] and "GET" in rules["/profile"]


def test_session_cookie_settings_in_development(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # plain http on localhost


def test_the_factory_refuses_bad_configuration(app_env):
    with pytest.raises(ConfigError, match="SGID_REDIRECT_URI"):
        create_app(load_settings({**app_env, "SGID_REDIRECT_URI": "not a url"}))
