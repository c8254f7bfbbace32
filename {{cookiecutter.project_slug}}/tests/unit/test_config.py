"""Settings: every mistake is one clear line naming the variable; production refuses shortcuts."""

import pytest

from {{ cookiecutter.package_name }}.config import ConfigError, load_settings


@pytest.fixture
def env(key_files) -> dict[str, str]:
    return {
        "APP_ENV": "development",
        "SECRET_KEY": "x" * 48,
        "SGID_CLIENT_ID": "my-app-dev",
        "SGID_CLIENT_SECRET": "secret",
        "SGID_PRIVATE_KEY_FILE": str(key_files[0]),
        "SGID_HOSTNAME": "http://localhost:5156/",
        "SGID_REDIRECT_URI": "http://localhost:8000/callback",
    }


@pytest.fixture
def production(env) -> dict[str, str]:
    return {
        **env,
        "APP_ENV": "production",
        "SGID_CLIENT_ID": "a1b2c3",
        "SGID_HOSTNAME": "https://api.id.gov.sg",
        "SGID_REDIRECT_URI": "https://app.example.gov.sg/callback",
    }


def refusal(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_development_settings_load(env):
    settings = load_settings(env)
    assert settings.sgid_hostname == "http://localhost:5156"  # trailing slash dropped
    assert "openid" in settings.sgid_scopes
    assert not settings.production


def test_production_settings_load(production):
    assert load_settings(production).production


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "SGID_CLIENT_ID", "SGID_CLIENT_SECRET", "SGID_REDIRECT_URI"]
)
def test_missing_values_are_named(env, name):
    del env[name]
    assert refusal(env).startswith(name)


def test_private_key_as_text_with_escaped_newlines(env, key_files):
    del env["SGID_PRIVATE_KEY_FILE"]
    env["SGID_PRIVATE_KEY"] = key_files[0].read_text().replace("\n", "\\n")
    assert load_settings(env).sgid_private_key == key_files[0].read_text()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"SGID_PRIVATE_KEY": "not a key", "SGID_PRIVATE_KEY_FILE": ""}, "SGID_PRIVATE_KEY"),
        ({"SGID_PRIVATE_KEY": "x"}, "both set"),
        ({"SGID_PRIVATE_KEY_FILE": "/no/such/key.pem"}, "SGID_PRIVATE_KEY_FILE"),
        ({"SGID_SCOPES": "openid myinfo.nam"}, "SGID_SCOPES"),
        ({"SGID_SCOPES": "myinfo.name"}, "openid"),
        ({"SGID_HOSTNAME": "ftp://x"}, "SGID_HOSTNAME"),
        ({"SESSION_IDLE_MINUTES": "soon"}, "SESSION_IDLE_MINUTES"),
        ({"TRUSTED_PROXIES": "yes"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ],
)
def test_bad_values_are_refused(env, changes, expected):
    assert expected in refusal({**env, **changes})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SGID_REDIRECT_URI": "http://app.example.gov.sg/callback"}, "SGID_REDIRECT_URI"),
        ({"SGID_HOSTNAME": "http://localhost:5156"}, "SGID_HOSTNAME"),
        ({"SGID_HOSTNAME": "https://127.0.0.1:5156"}, "SGID_HOSTNAME"),
        ({"SGID_CLIENT_ID": "my-app-dev"}, "SGID_CLIENT_ID"),
        ({"SGID_PRIVATE_KEY_FILE": ""}, "SGID_PRIVATE_KEY"),
        ({"SGID_PRIVATE_KEY_FILE": "/no/such/key.pem"}, "SGID_PRIVATE_KEY_FILE"),
    ],
)
def test_production_gate(production, changes, expected):
{%- if cookiecutter.session_store != "cookie" %}
    # The last item, a session store that does not answer, is serve's: test_store_gate.py
{%- endif %}
    assert refusal({**production, **changes}).startswith(expected)


def test_no_proxy_is_trusted_unless_configured(env):
    assert load_settings(env).trusted_proxies == 0
    assert load_settings({**env, "TRUSTED_PROXIES": "1"}).trusted_proxies == 1


def test_limits_on_sgid_calls_default_to_production_values(env):
    settings = load_settings(env)
    assert (settings.sgid_connect_timeout, settings.sgid_read_timeout) == (3.0, 10.0)
    assert settings.sgid_callback_deadline == 15.0  # below gunicorn's 30 s worker timeout
    assert settings.login_ttl == 600


@pytest.mark.parametrize(
    "changes",
    [
        {"SGID_CONNECT_TIMEOUT": "5"},
        {"SGID_READ_TIMEOUT": "30"},
        {"SGID_CALLBACK_DEADLINE": "31"},
        {"SGID_CALLBACK_DEADLINE": "nan"},
        {"LOGIN_TTL_SECONDS": "3600"},
        {"SESSION_IDLE_MINUTES": "0"},
    ],
)
def test_limits_can_only_be_lowered(env, changes):
    name = next(iter(changes))
    assert refusal({**env, **changes}).startswith(f"{name}: ")
