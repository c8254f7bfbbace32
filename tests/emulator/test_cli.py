"""The command line: documented options, start-up line, configuration errors, env switches."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from emuhelp import EMULATOR, start_emulator

OPTIONS = [
    "--host",
    "--port",
    "--base-url",
    "--client-id",
    "--client-secret",
    "--redirect-uri",
    "--scopes",
    "--client-public-key",
    "--clients",
    "--auto-approve",
    "--fault",
    "--hang-seconds",
    "--code-ttl",
    "--token-ttl",
    "--id-token-ttl",
    "--personas",
    "--quiet",
    "SGID_EMULATOR_AUTO_APPROVE",
    "SGID_EMULATOR_FAULTS",
]


def _run(emulator_src, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", EMULATOR, *args],
        cwd=emulator_src,
        env={"PYTHONPATH": str(emulator_src), **(env or {})},
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_help_documents_every_option(emulator_src):
    from importlib import import_module

    faults = import_module(f"{EMULATOR}.faults").ALL_FAULTS
    result = _run(emulator_src, "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in OPTIONS:
        assert option in text, option
    for fault in faults:
        assert fault in text.replace(" ", ""), fault


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "no client"),
        (["--fault", "token.explode"], "unknown fault"),
        (["--auto-approve", "nobody"], "unknown persona"),
        (["--code-ttl", "301"], "at most 300"),
        (["--scopes", "openid myinfo.unknown"], "unknown scope"),
    ],
    ids=["no_client", "bad_fault", "bad_persona", "long_code_ttl", "bad_scope"],
)
def test_bad_configuration_exits_2(emulator_src, emulator_args, extra, message):
    args = [] if extra == [] else emulator_args[:-2]  # the flag-defined client only
    result = _run(emulator_src, *args, *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_bad_public_key(emulator_src, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    result = _run(
        emulator_src,
        "--client-id",
        "a",
        "--client-secret",
        "b",
        "--redirect-uri",
        "http://x/cb",
        "--client-public-key",
        str(junk),
    )
    assert result.returncode == 2 and "RSA key" in result.stderr


def test_env_switches_and_base_url(emulator_src, emulator_args, client_key):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    escaped = client_key[1].replace("\n", "\\n")  # .env style PEM with literal \n
    args = [
        *emulator_args[:-4],
        "--client-public-key",
        escaped,
        "--port",
        str(port),
        "--base-url",
        f"http://localhost:{port}/",
        "--fault",
        "jwks.500",
    ]
    emu = start_emulator(
        emulator_src,
        *args,
        env_extra={
            "SGID_EMULATOR_AUTO_APPROVE": "ahmad",
            "SGID_EMULATOR_FAULTS": "token.html, id_token.expired",
        },
    )
    try:
        assert emu.base_url == f"http://localhost:{port}"
        state = emu.admin("GET", "/state").json()
        assert state["auto_approve"] == "ahmad"
        assert state["faults"] == ["id_token.expired", "jwks.500", "token.html"]
        assert state["issuer"] == f"http://localhost:{port}/v2"
        doc = requests.get(emu.issuer + "/.well-known/openid-configuration", timeout=5).json()
        assert doc["issuer"] == f"http://localhost:{port}/v2"
    finally:
        emu.stop()


def test_port_zero_prints_real_port_and_binds_loopback(emulator_src, emulator_args):
    emu = start_emulator(emulator_src, *emulator_args, "--quiet")
    try:
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert not emu.base_url.endswith(":0")
        assert requests.get(emu.issuer + "/.well-known/jwks.json", timeout=5).status_code == 200
        emu.proc.terminate()
        assert emu.proc.wait(5) == 0
        assert not any("jwks" in line for line in emu.log)  # --quiet
    finally:
        emu.stop()


def test_template_files_render_unchanged(emulator_src, package):
    """The emulator's files hold no Jinja but the app package's name (it imports the one scope
    catalog from the app), so cookiecutter renders them otherwise verbatim."""
    template = (
        Path(__file__).resolve().parents[2] / "{{cookiecutter.project_slug}}" / "src" / EMULATOR
    )
    rendered = emulator_src / EMULATOR
    name_slot = "{" + "{ cookiecutter.package_name }" + "}"
    names = sorted(p.name for p in template.iterdir() if p.is_file())
    assert "personas.json" in names and "__main__.py" in names
    for name in names:
        text = (template / name).read_text(encoding="utf-8")
        if name.endswith(".py"):
            for delimiter in ("{" + "{", "{" + "%", "{" + "#"):
                assert delimiter not in text.replace(name_slot, ""), (name, delimiter)
        expected = text.replace(name_slot, package)
        assert (rendered / name).read_text(encoding="utf-8") == expected, name
    json.loads((rendered / "personas.json").read_text(encoding="utf-8"))
