"""Unit tests of the hooks' functions, each hook rendered as cookiecutter would render it."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pre_gen(load_hook):
    return load_hook("pre_gen_project")


@pytest.fixture(scope="module")
def post_gen(load_hook):
    return load_hook("post_gen_project")


@pytest.fixture(scope="module")
def pre_prompt(load_hook):
    return load_hook("pre_prompt")


def answers(**overrides) -> dict:
    """Good answers, as the hooks receive them."""
    good = {
        "project_name": "sgID App",
        "project_slug": "sgid-app",
        "package_name": "sgid_app",
        "framework": TEMPLATE["framework"][0],
        "session_store": "database",
        "scopes": "openid myinfo.name",
        "validate": True,
    }
    return {**good, **overrides}


def problems(pre_gen, **overrides) -> list[str]:
    return pre_gen.validate(answers(**overrides), TEMPLATE)


# --- pre_gen_project: validate() ------------------------------------------------------------


def test_default_answers_pass(pre_gen):
    assert problems(pre_gen) == []


def test_every_scope_passes_with_a_server_side_store(pre_gen, catalog):
    for store in ("database", "redis"):
        assert problems(pre_gen, session_store=store, scopes=" ".join(catalog)) == []


def test_the_rendered_hook_receives_the_real_context(pre_gen):
    # main() validates what cookiecutter rendered into the hook: the defaults here.
    assert pre_gen.main() == 0


@pytest.mark.parametrize("slug", ["sgid-app", "a", "app2", "my-sgid-app-2"])
def test_good_slugs(pre_gen, slug):
    assert pre_gen.check_project_slug(slug) == []


@pytest.mark.parametrize(
    ("slug", "suggestion"),
    [
        ("Bad Slug", "bad-slug"),
        ("sgid_app", "sgid-app"),
        ("2fa-app", "app-2fa-app"),
        ("-app", "app"),
        ("app-", "app"),
        ("my--app", "my-app"),
        ("Ærø", "r"),
    ],
)
def test_bad_slugs_are_refused_with_a_fix(pre_gen, slug, suggestion):
    [message] = pre_gen.check_project_slug(slug)
    assert message == (
        f'ERROR: project_slug "{slug}" must be lowercase letters, digits and single hyphens, '
        f"starting with a letter. Pass e.g. project_slug={suggestion}"
    )
    assert pre_gen.check_project_slug(suggestion) == []


@pytest.mark.parametrize("name", ["sgid_app", "app2", "_private_app", "my_flask"])
def test_good_package_names(pre_gen, name):
    assert pre_gen.check_package_name(name, TEMPLATE["_reserved_package_names"]) == []


@pytest.mark.parametrize(
    ("name", "problem", "suggestion"),
    [
        ("class", "is a Python keyword", "class_app"),
        ("match", "is a Python keyword", "match_app"),  # a soft keyword
        ("1app", "starts with a digit, which Python cannot import", "app_1app"),
        ("json", 'would shadow the standard-library module "json"', "json_app"),
        ("test", 'would shadow "test", which the generated project imports', "test_app"),
        ("flask", 'would shadow "flask", which the generated project imports', "flask_app"),
        ("sgid_client", 'would shadow "sgid_client", which the generated project imports', None),
        ("crypto", 'would shadow "Crypto", which the generated project imports', "crypto_app"),
        ("tests", 'would shadow "tests", which the generated project imports', "tests_app"),
        ("conftest", 'would shadow "conftest", which the generated project imports', None),
        ("My-App", "must be lowercase letters, digits and underscores", "my_app"),
        ("sgid-app", "must be lowercase letters, digits and underscores", "sgid_app"),
    ],
)
def test_bad_package_names_are_refused_with_a_fix(pre_gen, name, problem, suggestion):
    reserved = TEMPLATE["_reserved_package_names"]
    [message] = pre_gen.check_package_name(name, reserved)
    assert message.startswith(f'ERROR: package_name "{name}" {problem}')
    fix = message.rsplit("package_name=", 1)[1]
    assert pre_gen.check_package_name(fix, reserved) == []
    if suggestion:
        assert fix == suggestion


def test_the_reserved_names_cover_the_generated_projects_imports(pre_gen):
    required = {
        "flask", "flask_session", "flask_wtf", "fastapi", "starlette", "django", "sgid_client",
        "jwcrypto", "Crypto", "cryptography", "requests", "redis", "sqlalchemy", "pytest", "test",
        "tests", "jinja2", "werkzeug", "itsdangerous", "uvicorn", "gunicorn", "dotenv", "conftest",
        "starsessions", "anyio",
    }  # fmt: skip
    assert required <= set(TEMPLATE["_reserved_package_names"])


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("myinfo.nam", "myinfo.name"),
        ("myinfo.emial", "myinfo.email"),
        ("email", "myinfo.email"),
        ("MyInfo.Name", "myinfo.name"),
        ("public_officer_details", "pocdex.public_officer_details"),
        ("myinfo.vehicle", "myinfo.vehicles"),
    ],
)
def test_an_unknown_scope_gets_a_did_you_mean(pre_gen, typo, meant):
    assert problems(pre_gen, scopes=f"openid {typo}") == [
        f'ERROR: scope "{typo}" is not in the sgID catalog. Did you mean "{meant}"? '
        "See README.md#scopes"
    ]


def test_an_unknown_scope_without_a_near_match(pre_gen):
    assert problems(pre_gen, scopes="openid zzz") == [
        'ERROR: scope "zzz" is not in the sgID catalog. See README.md#scopes'
    ]


def test_openid_is_required(pre_gen):
    assert problems(pre_gen, scopes="myinfo.name myinfo.nam") == [
        'ERROR: scope "myinfo.nam" is not in the sgID catalog. Did you mean "myinfo.name"? '
        "See README.md#scopes",
        "ERROR: scopes must include openid (sgID refuses logins without it). "
        'Pass scopes="openid myinfo.name"',
    ]


def test_duplicate_scopes_are_refused(pre_gen):
    assert problems(pre_gen, scopes="openid myinfo.name openid myinfo.name myinfo.name") == [
        'ERROR: scope "myinfo.name" is listed more than once in scopes. List it once.',
        'ERROR: scope "openid" is listed more than once in scopes. List it once.',
    ]


@pytest.mark.parametrize("scopes", ["", "   ", "\n"])
def test_empty_scopes_are_refused(pre_gen, scopes):
    assert problems(pre_gen, scopes=scopes) == [
        'ERROR: scopes is empty; openid is required. Pass scopes="openid myinfo.name"'
    ]


def test_scopes_split_on_any_whitespace(pre_gen):
    assert problems(pre_gen, scopes=" openid\tmyinfo.name\n myinfo.email ") == []


def test_scopes_must_be_a_string(pre_gen):
    assert problems(pre_gen, scopes=["openid"]) == [
        'ERROR: scopes must be one space-separated string. Pass scopes="openid myinfo.name"'
    ]


def test_an_unknown_framework_is_refused(pre_gen):
    choices = ", ".join(f"framework={choice}" for choice in TEMPLATE["framework"])
    assert problems(pre_gen, framework="rails") == [
        f'ERROR: framework "rails" is not a choice. Pass one of: {choices}'
    ]


def test_an_unknown_session_store_is_refused(pre_gen):
    assert problems(pre_gen, session_store="memcached") == [
        'ERROR: session_store "memcached" is not a choice. Pass one of: session_store=database, '
        "session_store=redis, session_store=cookie"
    ]


def test_validate_must_be_a_boolean(pre_gen):
    assert problems(pre_gen, validate="False") == [
        'ERROR: validate "False" must be true or false. Pass validate=true or validate=false '
        "(needs cookiecutter 2.7 or newer)"
    ]


@pytest.mark.parametrize(
    "scope", ["myinfo.vehicles", "myinfo.sponsored_child_records", "pocdex.public_officer_details"]
)
def test_the_cookie_store_refuses_list_scopes(pre_gen, scope):
    assert problems(pre_gen, session_store="cookie", scopes=f"openid {scope}") == [
        f"ERROR: scopes {scope} cannot be used with session_store=cookie: their values are "
        "unbounded JSON lists that cannot fit a 4 kB cookie; choose session_store=database or "
        "session_store=redis, or drop those scopes"
    ]


def test_the_cookie_store_takes_every_other_scope(pre_gen, catalog):
    small = [name for name, spec in catalog.items() if spec["kind"] != "table"]
    assert problems(pre_gen, session_store="cookie", scopes=" ".join(small)) == []


def test_the_unsupported_table_refuses_every_table_scope_in_one_line(pre_gen, catalog):
    tables = [name for name, spec in catalog.items() if spec["kind"] == "table"]
    [message] = problems(pre_gen, session_store="cookie", scopes=" ".join(["openid", *tables]))
    assert message.startswith(f"ERROR: scopes {', '.join(tables)} cannot be used with")


def test_an_unsupported_combination_without_scopes(pre_gen):
    table = [{"when": {"framework": "flask", "session_store": "redis"}, "why": "x", "fix": "y"}]
    assert pre_gen.check_combinations(answers(session_store="redis"), {}, table) == [
        "ERROR: framework=flask session_store=redis is not supported: x; y"
    ]


def test_every_problem_is_reported_once_on_one_line(pre_gen):
    found = problems(
        pre_gen,
        project_slug="Bad Slug",
        package_name="class",
        scopes="myinfo.nam myinfo.vehicles myinfo.vehicles",
        session_store="cookie",
    )
    assert len(found) == 6
    assert all(line.startswith("ERROR: ") and "\n" not in line for line in found)


def test_a_blank_or_letterless_name_is_refused_once(pre_gen):
    # cookiecutter.json's slug falls back to NO_SLUG for a name without letters or digits.
    assert pre_gen.NO_SLUG in TEMPLATE["project_slug"]
    blank = problems(pre_gen, project_name=" ", project_slug="_", package_name="_")
    assert blank == [
        "ERROR: project_name is empty; it names the folder and is shown on every page. "
        'Pass e.g. project_name="sgID App"'
    ]
    [message] = problems(pre_gen, project_name="!!!", project_slug="_", package_name="_")
    assert message.startswith('ERROR: project_name "!!!" has no letters or digits')
    assert problems(pre_gen, project_name="!!!", project_slug="app", package_name="app") == []
    assert TEMPLATE["project_name"] == pre_gen.DEFAULT_PROJECT_NAME


def corrected(pre_gen, **overrides) -> tuple[dict, str]:
    return pre_gen.corrected_answers(answers(**overrides), TEMPLATE)


@pytest.mark.parametrize(
    "wrong",
    [
        {"project_name": "", "project_slug": "_", "package_name": "_"},
        {"project_slug": "Bad Slug", "package_name": "Bad Slug"},
        {"package_name": "class", "scopes": "myinfo.nam openid openid"},
        {"framework": "Flask", "session_store": "memcached", "validate": "no"},
        {"session_store": "cookie", "scopes": "openid myinfo.vehicles myinfo.childrenbirthrecords"},
        {"scopes": ["openid"]},
        {"scopes": "zzz"},
    ],
)
def test_corrected_answers_pass(pre_gen, wrong):
    fixed, _ = corrected(pre_gen, **wrong)
    assert problems(pre_gen, **fixed) == []


def test_corrected_answers_keep_the_scopes_and_change_the_store(pre_gen):
    fixed, settled = corrected(pre_gen, session_store="cookie", scopes="openid myinfo.vehicle")
    assert (fixed["session_store"], fixed["scopes"]) == ("database", "openid myinfo.vehicles")
    assert settled == (
        "session_store=database, which can hold myinfo.vehicles; "
        "to keep session_store=cookie, drop myinfo.vehicles instead"
    )


def test_corrected_answers_drop_the_scopes_when_no_other_store_is_known(pre_gen):
    template = {**TEMPLATE, "session_store": ["cookie"]}
    wrong = answers(session_store="cookie", scopes="openid myinfo.name myinfo.vehicles")
    fixed, settled = pre_gen.corrected_answers(wrong, template)
    assert (fixed["session_store"], fixed["scopes"]) == ("cookie", "openid myinfo.name")
    assert settled == "without myinfo.vehicles"


def test_the_corrected_command_quotes_every_answer(pre_gen, monkeypatch, tmp_path):
    monkeypatch.setenv("PWD", str(tmp_path))
    wrong = answers(project_name="A 'quoted' $app", _template="gh:org/sgid template")
    fixed, _ = pre_gen.corrected_answers(wrong, TEMPLATE)
    command = pre_gen.corrected_command({**wrong, "_output_dir": str(tmp_path)}, fixed)
    assert command.startswith("cookiecutter 'gh:org/sgid template' --no-input 'project_name=A ")
    assert "--output-dir" not in command  # where the person ran it: not needed
    assert command.endswith(" validate=true")


def test_under_cruft_the_rules_come_from_crufts_own_context(pre_gen, hook_context):
    # cruft renders with the template's cookiecutter.json at a commit, and no _repo_dir.
    cruft = {**hook_context()["cookiecutter"], "_commit": "0" * 40, "validate": False}
    del cruft["_repo_dir"]
    template = pre_gen.template_config(cruft)
    # Its choices were checked by cookiecutter's generate_context; the lists are not there.
    assert (template["framework"], template["session_store"]) == (["flask"], ["database"])
    assert template["_scope_catalog"] == TEMPLATE["_scope_catalog"]
    assert pre_gen.validate(cruft, template) == []
    # validate=true is fine: post_gen renders without installing under cruft.
    assert pre_gen.validate({**cruft, "validate": True}, template) == []
    fixed, _ = pre_gen.corrected_answers({**cruft, "validate": True}, template)
    assert pre_gen.corrected_command(cruft, fixed).startswith(
        f"cruft create {cruft['_template']} --no-input --extra-context "
    )


def test_under_cruft_post_gen_renders_without_installing(load_hook):
    # cruft renders again on every diff and update; a .venv there would be patched in.
    post_gen = load_hook("post_gen_project", validate=True)
    answers = {**post_gen.rendered_answers(), "_commit": "0" * 40}
    del answers["_repo_dir"]
    assert post_gen.rendered_by_cruft(answers)
    assert not post_gen.rendered_by_cruft(post_gen.rendered_answers())  # cookiecutter's own


def test_the_rendered_hook_survives_hostile_names(load_hook):
    # (Cookiecutter itself renders answers as Jinja, so "{{" cannot be part of an answer.)
    hostile = 'Ærø "Quote" \\ App \'\'\' """ \n </script> \u2028 \U0001f600'
    hook = load_hook(
        "pre_gen_project", project_name=hostile, project_slug="aero", package_name="aero"
    )
    assert hook.rendered_answers()["project_name"] == hostile
    assert hook.main() == 0


# --- pre_prompt -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "refused"),
    [
        ("2.7.0", False),
        ("2.7.1", False),
        ("2.10.0rc1", False),
        ("3.0.0.dev0", False),
        ("2.6.0", True),
        ("2.4.0", True),
        ("1.7.3", True),
        ("unknown", True),
    ],
)
def test_old_cookiecutters_are_refused(pre_prompt, version, refused):
    message = pre_prompt.old_cookiecutter_message(version)
    if refused:
        assert message == (
            f"ERROR: this template needs cookiecutter 2.7 or newer, found {version}. "
            'Upgrade it: pip install -U "cookiecutter>=2.7" (or: pipx upgrade cookiecutter)'
        )
    else:
        assert message is None


def test_the_catalog_lists_every_scope_and_marks_public_sector_ones(pre_prompt, catalog):
    header, *lines = pre_prompt.catalog_lines(catalog)
    assert "public sector only" in header
    assert len(lines) == len(catalog)
    for line, (name, spec) in zip(lines, catalog.items(), strict=True):
        assert line.split() == [
            *(["*"] if spec["public_sector_only"] else []),
            name,
            *spec["description"].split(),
        ]


def copy_of_cookiecutter_json(tmp_path: Path) -> Path:
    copy = tmp_path / "cookiecutter.json"
    copy.write_text((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
    return copy


def test_on_a_terminal_the_catalog_is_shown_and_the_prompt_points_at_it(
    pre_prompt, catalog, tmp_path, monkeypatch, capsys
):
    config = copy_of_cookiecutter_json(tmp_path)
    before = config.read_text()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert pre_prompt.main() == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in catalog)
    after = json.loads(config.read_text())
    assert after["__prompts__"]["scopes"] == pre_prompt.SCOPES_PROMPT_WITH_CATALOG
    # Only that one string changed, and a second run changes nothing more.
    assert {**json.loads(before), "__prompts__": after["__prompts__"]} == after
    once = config.read_text()
    assert len(once.splitlines()) == len(before.splitlines())
    pre_prompt.point_scopes_prompt_at_catalog(config)
    assert config.read_text() == once


def test_the_commit_is_recorded_only_from_a_git_clone(pre_prompt, tmp_path):
    config = copy_of_cookiecutter_json(tmp_path)
    assert pre_prompt.template_commit(tmp_path) is None  # not a clone: nothing recorded
    env = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "T"}
    env = {**os.environ, **env, "GIT_COMMITTER_EMAIL": "t@t"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "t"]):
        subprocess.run(["git", *command], cwd=tmp_path, env=env, check=True)
    commit = pre_prompt.template_commit(tmp_path)
    assert commit and len(commit) == 40
    before = config.read_text()
    pre_prompt.record_template_commit(config, commit)
    pre_prompt.record_template_commit(config, "f" * 40)  # filled once: a rerun changes nothing
    after = config.read_text()
    assert json.loads(after) == {**json.loads(before), "_template_commit": commit}
    assert len(after.splitlines()) == len(before.splitlines())


def test_scripted_runs_see_no_catalog(pre_prompt, tmp_path, monkeypatch, capsys):
    config = copy_of_cookiecutter_json(tmp_path)
    before = config.read_text()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert pre_prompt.main() == 0
    assert capsys.readouterr() == ("", "")
    assert config.read_text() == before


# --- post_gen_project: prune ----------------------------------------------------------------


def touch(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_project(root: Path, table: list) -> Path:
    """Every path of the hook's table, each file holding its own template path."""
    for framework in ("flask", "fastapi", "django"):
        touch(root / f"src/pkg/_web/{framework}/__init__.py", framework)
        touch(root / f"tests/_web/{framework}/test_views.py", framework)
    for path, _, _ in table:
        path = path.format(package="pkg")
        if path.endswith(".py"):
            touch(root / path, path)
    touch(root / "src/pkg/config.py")
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_prune_table_covers_every_choice(post_gen):
    for question in ("framework", "session_store"):
        named = {
            answer
            for _, keeping, _ in post_gen.CHOICE_PATHS
            for condition in (keeping if isinstance(keeping, list) else [keeping])
            for answer in condition.get(question, ())
        }
        assert named == set(TEMPLATE[question]), question
    assert set(post_gen.STORE_ENV_LINES) == set(TEMPLATE["session_store"])


def test_the_prune_table_names_no_jinja(post_gen):
    for path, _, kept_as in post_gen.CHOICE_PATHS:
        assert "{%" not in path and "{{" not in path and "{%" not in (kept_as or "")


def test_prune_keeps_the_chosen_framework_and_store(post_gen, tmp_path):
    project = fake_project(tmp_path, post_gen.CHOICE_PATHS)
    post_gen.prune(project, "pkg", "flask", "database")
    assert tree(project) == {
        "src/pkg/accounts/records.py": b"src/pkg/accounts/_records/sql.py",
        "src/pkg/accounts/user.py": b"src/pkg/accounts/user.py",
        "src/pkg/config.py": b"",
        "src/pkg/serving/gunicorn_command.py": b"src/pkg/serving/gunicorn_command.py",
        "src/pkg/stores/database_url.py": b"src/pkg/stores/database_url.py",
        "src/pkg/stores/health.py": b"src/pkg/stores/health.py",
        "src/pkg/stores/limits.py": b"src/pkg/stores/limits.py",
        "src/pkg/stores/schema_lock.py": b"src/pkg/stores/schema_lock.py",
        "src/pkg/stores/session_store.py": b"src/pkg/stores/_session_store/database.py",
        "src/pkg/stores/sql.py": b"src/pkg/stores/sql.py",
        "src/pkg/web/__init__.py": b"flask",
        "src/pkg/web/sessions.py": b"src/pkg/_web/flask/_sessions/database.py",
        "src/pkg/web/server_store.py": b"src/pkg/_web/flask/server_store.py",
        "tests/test_store_gate.py": b"tests/test_store_gate.py",
        "tests/unit/test_schema_lock.py": b"tests/unit/test_schema_lock.py",
        "tests/unit/test_sql_store.py": b"tests/unit/test_sql_store.py",
        "tests/web/test_views.py": b"flask",
    }


def test_prune_keeps_the_cookie_stores_own_files(post_gen, tmp_path):
    project = fake_project(tmp_path, post_gen.CHOICE_PATHS)
    post_gen.prune(project, "pkg", "django", "cookie")
    kept = tree(project)
    assert kept["src/pkg/stores/cookie.py"] == b"src/pkg/stores/cookie.py"
    assert kept["src/pkg/web/sessions.py"] == b"src/pkg/_web/django/_sessions/cookie.py"
    assert kept["src/pkg/web/session_settings.py"] == (
        b"src/pkg/_web/django/_session_settings/cookie.py"
    )
    assert "src/pkg/web/server_store.py" not in kept
    # Django's users live in its SQL database whatever the session store.
    assert kept["src/pkg/stores/database_url.py"] == b"src/pkg/stores/database_url.py"
    assert not [path for path in kept if "/_" in path.replace("/__", "")]  # no choice folders


def test_prune_keeps_only_the_chosen_frameworks_own_files(post_gen, tmp_path):
    project = fake_project(tmp_path, post_gen.CHOICE_PATHS)
    touch(project / "src/pkg/manage.py")
    post_gen.prune(project, "pkg", "django", "database")
    assert "src/pkg/manage.py" in tree(project)
    assert "src/pkg/stores/sql.py" not in tree(project)  # Django's own session backend
    other = fake_project(tmp_path / "fastapi", post_gen.CHOICE_PATHS)
    post_gen.prune(other, "pkg", "fastapi", "redis")
    assert not (tmp_path / "fastapi/src/pkg/manage.py").exists()
    assert not (tmp_path / "fastapi/src/pkg/stores/database_url.py").exists()
    assert not (tmp_path / "fastapi/src/pkg/serving/gunicorn_command.py").exists()


def test_prune_is_idempotent(post_gen, tmp_path):
    project = fake_project(tmp_path, post_gen.CHOICE_PATHS)
    post_gen.prune(project, "pkg", "flask", "redis")
    once = tree(project)
    post_gen.prune(project, "pkg", "flask", "redis")
    assert tree(project) == once


def test_prune_refuses_a_template_without_the_chosen_framework(post_gen, tmp_path):
    project = fake_project(tmp_path, post_gen.CHOICE_PATHS)
    shutil.rmtree(project / "src/pkg/_web/fastapi")
    with pytest.raises(SystemExit, match="template bug: src/pkg/_web/fastapi is missing"):
        post_gen.prune(project, "pkg", "fastapi", "redis")


# --- post_gen_project: .env -----------------------------------------------------------------


def env_values(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return dict(pairs)


@pytest.mark.parametrize(
    ("store", "extra"),
    [
        ("database", {"DATABASE_URL": "sqlite:///instance/sessions.sqlite3"}),
        ("redis", {"REDIS_URL": "redis://127.0.0.1:6379/0"}),
        ("cookie", {}),
    ],
)
def test_the_env_file_talks_to_the_emulator(post_gen, store, extra):
    text = post_gen.env_text(
        answers(session_store=store, project_slug="my-app", scopes=" openid\n myinfo.name ")
    )
    values = env_values(text)
    assert len(values.pop("SECRET_KEY")) >= 64
    assert len(values.pop("SGID_CLIENT_SECRET")) >= 43
    assert values == {
        "APP_ENV": "development",
        "SGID_HOSTNAME": "http://localhost:5156",
        "SGID_CLIENT_ID": "my-app-dev",
        "SGID_PRIVATE_KEY_FILE": ".dev-keys/sgid-private.pem",
        "SGID_REDIRECT_URI": "http://localhost:8000/callback",
        "SGID_SCOPES": "openid myinfo.name",
        **extra,
    }
    assert "developer portal" in text


def test_every_env_file_has_fresh_secrets(post_gen):
    first, second = (env_values(post_gen.env_text(answers())) for _ in range(2))
    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["SGID_CLIENT_SECRET"] != second["SGID_CLIENT_SECRET"]


def test_the_env_file_is_private_and_never_overwritten(post_gen, tmp_path):
    post_gen.write_env_file(tmp_path, answers())
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    first = env_file.read_text()
    post_gen.write_env_file(tmp_path, answers())
    assert env_file.read_text() == first
    env_file.write_text("MINE=1\n")
    post_gen.write_env_file(tmp_path, answers())
    assert env_file.read_text() == "MINE=1\n"


def test_the_env_file_is_private_whatever_the_umask(post_gen, tmp_path):
    old = os.umask(0)
    try:
        post_gen.write_env_file(tmp_path, answers())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


# --- post_gen_project: install and test -----------------------------------------------------

PYPROJECT = """
[project]
dependencies = ["sgid-client==0.3.0", "flask"]
[dependency-groups]
tools = ["uv==0.13.9"]
dev = ["pytest", "uvicorn>=0.34", {include-group = "tools"}]
"""


def test_the_uv_requirement_comes_from_the_dev_group(post_gen, tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert post_gen.uv_requirement(tmp_path) == "uv==0.13.9"  # not uvicorn; included groups too


def test_pip_install_commands(post_gen, tmp_path):
    # Without uv: pip installs the dev group's uv, which locks and exports; pip installs that.
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    python, uv, pip = (str(Path(".venv/bin") / name) for name in ("python", "uv", "pip"))
    export = "export --frozen --no-hashes --no-emit-project --quiet --output-file"
    assert post_gen.install_commands(tmp_path, None) == [
        [sys.executable, "-m", "venv", ".venv"],
        [python, "-m", "pip", "install", "uv==0.13.9"],
        [uv, "lock"],
        [uv, *export.split(), "requirements-dev.txt"],
        [pip, "install", "--no-deps", "-r", "requirements-dev.txt", "-e", "."],
    ]


def test_uv_install_commands(post_gen, tmp_path):
    export = "export --frozen --no-hashes --no-emit-project --quiet --output-file"
    assert post_gen.install_commands(tmp_path, "/usr/bin/uv") == [
        ["uv", "sync", "--compile-bytecode"],
        [str(Path(".venv/bin/uv")), *export.split(), "requirements-dev.txt"],
    ]


def test_the_quick_check_names_only_markers_the_project_registers(post_gen, baked_default):
    # pytest -m accepts unknown names silently: a renamed marker would make the quick check
    # run everything, or nothing it meant to.
    import tomllib

    pyproject = tomllib.loads((baked_default / "pyproject.toml").read_text())
    markers = pyproject["tool"]["pytest"]["ini_options"]["markers"]
    registered = {marker.split(":")[0] for marker in markers}
    named = set(post_gen.QUICK_CHECK.split()) - {"not", "and", "or"}
    assert named == {"browser", "scaleout", "waits"}
    assert named <= registered


def test_the_generated_dev_group_pins_uv_for_the_pip_path(post_gen, baked_default):
    assert re.fullmatch(r"uv==[\d.]+", post_gen.uv_requirement(baked_default))


@pytest.mark.parametrize(
    ("pwd", "project", "shown"),
    [
        ("/home/me", "/home/me/build/sgid-app", "build/sgid-app"),
        ("/home/me/build/sgid-app", "/home/me/build/sgid-app", None),
        ("/home/me/elsewhere", "/home/me/build/sgid-app", "/home/me/build/sgid-app"),
        ("", "/home/me/build/sgid-app", "/home/me/build/sgid-app"),
        (None, "/home/me/build/sgid-app", "/home/me/build/sgid-app"),
        ("build", "/home/me/build/sgid-app", "/home/me/build/sgid-app"),
    ],
)
def test_the_project_is_shown_from_where_cookiecutter_ran(post_gen, tmp_path, pwd, project, shown):
    def real(path):
        return str(tmp_path) + path if path and path.startswith("/") else path

    (tmp_path / "home/me/build/sgid-app").mkdir(parents=True)
    (tmp_path / "home/me/elsewhere").mkdir()
    assert post_gen.shown_path(Path(real(project)), real(pwd)) == real(shown)


def test_after_pass_the_next_command_and_the_url(post_gen, tmp_path, monkeypatch):
    (tmp_path / "build" / "my-app").mkdir(parents=True)
    monkeypatch.setenv("PWD", str(tmp_path))
    text = post_gen.next_steps(tmp_path / "build" / "my-app", "my_app")
    assert "\n    cd build/my-app && .venv/bin/python -m my_app.dev\n" in text
    assert "open http://localhost:8000 " in text


@pytest.mark.parametrize(
    ("output", "status", "summary"),
    [
        ("...\n41 passed in 3.07s\n", 0, "PASS: 41 tests passed in 3.1 s: the quick check"),
        ("41 passed, 2 skipped in 3.07s", 0, "PASS: 41 tests passed in 3.1 s (2 skipped): the"),
        (
            "2 failed, 39 passed in 3.07s",
            1,
            "FAIL: the generated tests failed (pytest exit status 1) after 3.1 s",
        ),
        ("no tests ran in 0.01s", 5, "FAIL: pytest found no tests to run in the generated project"),
        ("", 0, "FAIL: pytest found no tests to run in the generated project"),
        ("timed out", 124, "FAIL: the generated tests did not finish within 600 s"),
    ],
)
def test_the_pytest_summary(post_gen, output, status, summary):
    assert post_gen.pytest_summary(output, status, 3.07).startswith(summary)


def test_run_reports_a_missing_command_instead_of_raising(post_gen, tmp_path):
    status, output = post_gen.run(["no-such-command-here"], tmp_path, 5)
    assert status == 127
    assert "could not start" in output


def test_run_stops_a_command_at_its_timeout(post_gen, tmp_path):
    status, output = post_gen.run([sys.executable, "-c", "import time; time.sleep(5)"], tmp_path, 1)
    assert status == 124
    assert "timed out after 1 s" in output


def test_post_gen_twice_changes_nothing_more(load_hook, bake_without_hooks, tmp_path, monkeypatch):
    chosen = {"session_store": "cookie", "validate": False}
    project = bake_without_hooks(tmp_path, **chosen)
    hook = load_hook("post_gen_project", **chosen)
    monkeypatch.chdir(project)
    assert hook.main() == 0
    once = tree(project)
    assert hook.main() == 0
    assert tree(project) == once
