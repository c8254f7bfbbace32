"""Emulator fixtures: real emulator subprocesses on free loopback ports, driven over real HTTP."""

import json
import os
import sys
from pathlib import Path

import emuhelp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emuhelp import (
    EMULATOR,
    NARROW_CLIENT_ID,
    OTHER_CLIENT_ID,
    OTHER_REDIRECT,
    OTHER_SECRET,
    REDIRECT_URI,
    SECOND_REDIRECT_URI,
    Emulator,
    sdk_client,
    start_emulator,
)


def _pem(key, private: bool) -> str:
    if private:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="session")
def client_key():
    """A fresh RSA key pair per test session: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pem(key, True), _pem(key, False)


@pytest.fixture(scope="session")
def emulator_src(request) -> Path:
    """The rendered project's src dir (SGID_EMULATOR_SRC may point at one already rendered)."""
    override = os.environ.get("SGID_EMULATOR_SRC")
    if override:
        src = Path(override)
        sys.path.insert(0, str(src))
        return src
    request.getfixturevalue("generated_package")
    return request.getfixturevalue("baked_default") / "src"


@pytest.fixture(scope="session")
def package(emulator_src) -> str:
    """The app package, whose sgid/catalog.py the emulator shares."""
    return next(p.name for p in emulator_src.iterdir() if (p / "sgid" / "catalog.py").is_file())


@pytest.fixture(scope="session")
def personas(emulator_src) -> list[dict]:
    import importlib.resources

    text = importlib.resources.files(EMULATOR).joinpath("personas.json")
    return json.loads(text.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def scopes(package) -> dict:
    import importlib

    return importlib.import_module(f"{package}.sgid.catalog").SCOPES


@pytest.fixture(scope="session")
def clients_file(tmp_path_factory, client_key) -> Path:
    private_pem, public_pem = client_key
    path = tmp_path_factory.mktemp("emulator") / "clients.json"
    key_file = path.parent / "client.pem"
    key_file.write_text(private_pem)  # a private key works too: its public half is used
    path.write_text(
        json.dumps(
            [
                {
                    "client_id": OTHER_CLIENT_ID,
                    "client_secret": OTHER_SECRET,
                    "redirect_uris": [OTHER_REDIRECT],
                    "public_key": public_pem,
                },
                {
                    "client_id": NARROW_CLIENT_ID,
                    "client_secret": "narrow-secret",
                    "redirect_uris": [REDIRECT_URI],
                    "scopes": "openid myinfo.name",
                    "public_key_file": "client.pem",
                },
            ]
        )
    )
    return path


@pytest.fixture(scope="session")
def emulator_args(client_key, clients_file):
    uris = (REDIRECT_URI, SECOND_REDIRECT_URI)
    return emuhelp.emulator_args(client_key[1], *uris, clients=clients_file)


@pytest.fixture(scope="session")
def emulator_process(emulator_src, emulator_args):
    emu = start_emulator(
        emulator_src, *emulator_args, "--auto-approve", "denise", "--hang-seconds", "2"
    )
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_process) -> Emulator:
    """The shared emulator (auto-approve: denise), reset before each test."""
    r = emulator_process.admin("POST", "/reset")
    assert r.status_code == 200
    emulator_process.set_faults(hang_seconds=2)
    return emulator_process


@pytest.fixture
def sdk(emulator, client_key):
    return sdk_client(emulator, client_key[0])
