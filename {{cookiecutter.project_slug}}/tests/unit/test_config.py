"""Settings: every mistake is one clear line naming the variable, all reported at once;
production refuses shortcuts."""

import shlex
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import keys
from {{ cookiecutter.package_name }}.config import ConfigError, load_settings

PACKAGE = "{{ cookiecutter.package_name }}"
# Every variable load_settings reads, cleared from the process environment by the tests of
# .env handling (the tests themselves may run with some of them set).
VARIABLES = [
    "APP_ENV",
    "SECRET_KEY",
    "SGID_CLIENT_ID",
    "SGID_CLIENT_SECRET",
    "SGID_PRIVATE_KEY",
    "SGID_PRIVATE_KEY_FILE",
    "SGID_HOSTNAME",
    "SGID_REDIRECT_URI",
    "SGID_SCOPES",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "SGID_JWKS_REFRESH_COOLDOWN",
    "SGID_CONNECT_TIMEOUT",
    "SGID_READ_TIMEOUT",
    "SGID_CALLBACK_DEADLINE",
    "LOGIN_TTL_SECONDS",
    "TRUSTED_PROXIES",
    "DATABASE_URL",
    "REDIS_URL",
]


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


def problems(environ: dict[str, str] | None) -> list[str]:
    """Every problem load_settings reports, each checked to be one line."""
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    found = caught.value.problems
    assert found and str(caught.value) == "\n".join(found)
    assert all(line.strip() and "\n" not in line for line in found), found
    assert "<package>" not in str(caught.value)
    return found


def refusal(environ: dict[str, str]) -> str:
    """The one problem with environ."""
    found = problems(environ)
    assert len(found) == 1, found
    return found[0]


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
    # A server-side store's last item, a store that does not answer, is serve's: test_store_gate.py
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


# --- every problem at once --------------------------------------------------------------------


def test_every_problem_is_reported_at_once(env):
    del env["SECRET_KEY"]
    env |= {"SGID_HOSTNAME": "ftp://x", "TRUSTED_PROXIES": "yes", "SGID_SCOPES": "myinfo.nmae"}
    found = problems(env)
    names = ["SECRET_KEY", "SGID_HOSTNAME", "SGID_SCOPES", "SGID_SCOPES", "TRUSTED_PROXIES"]
    assert [line.split()[0].rstrip(":") for line in found] == names, found
    assert "did you mean myinfo.name?" in found[2] and "'openid'" in found[3]


def test_production_gate_reports_every_shortcut_with_the_other_problems(production):
    production |= {
        "SECRET_KEY": "short",
        "SGID_REDIRECT_URI": "http://app.example.gov.sg/callback",
        "SGID_CLIENT_ID": "my-app-dev",
        "SESSION_IDLE_MINUTES": "soon",
    }
    found = problems(production)
    names = ["SESSION_IDLE_MINUTES", "SECRET_KEY", "SGID_REDIRECT_URI", "SGID_CLIENT_ID"]
    assert [line.split(":")[0] for line in found] == names, found


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SGID_HOSTNAME": "ftp://x"}, "SGID_HOSTNAME: 'ftp://x' is not a valid"),
    ],
)
def test_production_gate_does_not_judge_a_value_already_refused(production, changes, expected):
    assert refusal({**production, **changes}).startswith(expected)


def test_config_error_api():
    error = ConfigError(["A: one", "B: two"])
    assert error.problems == ["A: one", "B: two"] and str(error) == "A: one\nB: two"
    assert ConfigError("C: three").problems == ["C: three"]


# --- scopes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("myinfo.nmae", "myinfo.name"),  # a typo
        ("myinfo.emial", "myinfo.email"),
        ("MyInfo.Name", "myinfo.name"),  # a case slip
        ("name", "myinfo.name"),  # no namespace
        ("myinf.name", "myinfo.name"),  # a misspelt namespace
        ("nric", "myinfo.nric_number"),  # part of a name
        ("address", "myinfo.registered_address"),
        ("date_of_birth", "myinfo.date_of_birth"),
        ("OpenID", "openid"),
    ],
)
def test_unknown_scope_suggests_the_one_meant(env, typed, meant):
    message = refusal({**env, "SGID_SCOPES": f"openid myinfo.name {typed}"})
    assert message.startswith(f"SGID_SCOPES: unknown scope {typed!r} (did you mean {meant}?)")


def test_every_unknown_scope_is_listed_with_the_real_catalog(env):
    found = problems({**env, "SGID_SCOPES": "openid myinfo.nmae frobnicate myinfo.nmae"})
    assert len(found) == 2, found  # each unknown scope once
    assert "'myinfo.nmae' (did you mean myinfo.name?)" in found[0]
    assert "'frobnicate';" in found[1]  # nothing close: no guess
    catalog = f"src/{PACKAGE}/sgid/scopes.json"
    assert all(line.endswith(catalog) for line in found)
    project = Path(__file__).resolve().parents[2]
    assert (project / catalog).is_file()


def test_comma_separated_scopes_are_explained(env):
    message = refusal({**env, "SGID_SCOPES": "openid,myinfo.name"})
    assert "spaces, not commas" in message and "'openid myinfo.name'" in message


def test_a_scope_listed_twice_is_named(env):
    assert "'myinfo.name' listed twice" in refusal(
        {**env, "SGID_SCOPES": "openid myinfo.name myinfo.name"}
    )


# --- the key: what to run to make one -----------------------------------------------------------


def command_in(message: str, after: str) -> list[str]:
    """The command a message tells to run: the words after `after`, up to any parenthesis."""
    text = message.partition(after)[2].partition(" (")[0]
    assert text, message
    return shlex.split(text)


@pytest.mark.parametrize(
    "changes", [{"SGID_PRIVATE_KEY_FILE": ""}, {"SGID_PRIVATE_KEY_FILE": "/no/such/key.pem"}]
)
def test_missing_production_key_names_the_register_command(
    production, changes, tmp_path, monkeypatch
):
    message = refusal({**production, **changes})
    assert "keys dev" not in message
    command = command_in(message, "make a key pair to register with sgID: ")
    assert command[:3] == ["python", "-m", f"{PACKAGE}.keys"]
    assert command[3:] == [
        "register",
        "--out",
        "./sgid-keys",
        "--redirect-uri",
        "https://app.example.gov.sg/callback",  # the app's own, when it is a proper one
    ]
    monkeypatch.chdir(tmp_path)
    assert keys.main(command[3:]) == 0  # the command works as written
    assert (tmp_path / "sgid-keys").is_dir()


def test_missing_production_key_with_a_bad_redirect_uri_shows_where_it_goes(production):
    found = problems(
        {**production, "SGID_PRIVATE_KEY_FILE": "", "SGID_REDIRECT_URI": "http://x/callback"}
    )
    assert found[0].endswith(
        f"python -m {PACKAGE}.keys register --out ./sgid-keys "
        "--redirect-uri https://<your host>/callback"
    )


@pytest.mark.parametrize(
    "changes", [{"SGID_PRIVATE_KEY_FILE": ""}, {"SGID_PRIVATE_KEY_FILE": ".dev-keys/none.pem"}]
)
def test_missing_development_key_names_the_dev_command(env, changes, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = refusal({**env, **changes})
    assert "register" not in message
    if changes["SGID_PRIVATE_KEY_FILE"]:  # a relative path: where it was looked for
        assert f"'.dev-keys/none.pem' in {tmp_path} (FileNotFoundError)" in message
    command = command_in(message, "create a development key with: ")
    assert command == ["python", "-m", f"{PACKAGE}.keys", "dev"]
    assert keys.main(command[3:]) == 0
    key_file = message.partition("(it writes ")[2].partition(",")[0]
    assert (tmp_path / key_file).is_file()  # where the message says


# --- .env ---------------------------------------------------------------------------------------


@pytest.fixture
def bare(monkeypatch, tmp_path) -> Path:
    """An empty working directory and a process environment without the app's variables."""
    for name in VARIABLES:
        monkeypatch.setenv(name, "")  # so that teardown also removes what .env adds
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_missing_env_file_is_named_first(bare):
    found = problems(None)
    assert found[0] == (
        f"no .env in {bare}: run this command from the project folder, or create .env "
        "(cp .env.example .env), or set the variables in the environment"
    )
    assert "SECRET_KEY is not set; generate one with: " in found[1]
    assert f"python -m {PACKAGE}.keys dev" in found[-1]


def test_no_env_file_is_fine_when_the_environment_has_everything(bare, env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().sgid_client_id == "my-app-dev"


def test_production_without_env_file_is_not_told_about_env_files(bare, production, monkeypatch):
    for name, value in production.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECRET_KEY")
    assert refusal(None).startswith("SECRET_KEY is not set")


def test_an_incomplete_env_file_is_not_called_missing(bare, env):
    (bare / ".env").write_text(f"SECRET_KEY={env['SECRET_KEY']}\n")
    found = problems(None)
    assert not any(".env" in line for line in found), found
    assert found[0].startswith("SGID_CLIENT_ID is not set")


def test_the_env_file_in_the_working_directory_is_read(bare, env):
    (bare / ".env").write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    assert load_settings().secret_key == env["SECRET_KEY"]
