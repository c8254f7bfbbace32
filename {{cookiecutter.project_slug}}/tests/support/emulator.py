"""The sgID emulator as its own process, and a client for its admin API (/_emulator/...)."""

import json
import random
import string
import sys
from importlib.resources import files
from pathlib import Path

import requests

from {{ cookiecutter.package_name }}.accounts.access import may_log_in
from {{ cookiecutter.package_name }}.config import DEFAULT_SCOPES
from {{ cookiecutter.package_name }}.sgid.adapter import Identity
from sgid_emulator.tokens import pairwise_sub

from tests.support.servers import CLIENT_ID, CLIENT_SECRET, free_port, spawn, stop, wait_for_http

# How the emulator is run (python -m EMULATOR_MODULE) and where its personas.json is.
EMULATOR_MODULE = "sgid_emulator"


class Emulator:
    """A running emulator: its base URL, its admin API, and stop()."""

    def __init__(self, base_url: str, process=None):
        self.base_url = base_url
        self.process = process

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(
            method, f"{self.base_url}/_emulator/{path}", json=body, timeout=5
        )
        response.raise_for_status()
        return response.json() if response.content else {}

    def faults(self, *names: str, hang_seconds: float | None = None) -> None:
        body = {"faults": list(names)}
        if hang_seconds is not None:
            body["hang_seconds"] = hang_seconds
        self.admin("PUT", "faults", body)

    def counts(self) -> dict[str, int]:
        return self.admin("GET", "state")["counts"]

    def connections(self) -> int:
        """TCP connections the emulator accepted since it started or was reset, this call's own
        included."""
        return self.admin("GET", "stats")["connections"]

    def rotate_key(self, keep_old: bool) -> None:
        self.admin("POST", "rotate-key", {"keep_old": keep_old})

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def start_emulator(
    workdir: Path,
    public_key_file: Path,
    redirect_uris: list[str],
    *,
    personas_file: Path | None = None,
    python: str = sys.executable,
    log: Path | None = None,
    quiet: bool = False,
) -> Emulator:
    """Start the emulator on a free port for the tests' client, approving DEFAULT_PERSONA
    unless a login names another (login_hint); return it once it answers.

    Its output goes to `log` if given; `quiet` leaves out its line per request.
    """
    port = free_port()
    command = [python, "-m", EMULATOR_MODULE, "--port", str(port)]
    command += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    command += ["--client-public-key", str(public_key_file), "--auto-approve", DEFAULT_PERSONA]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    if personas_file is not None:
        command += ["--personas", str(personas_file)]
    if quiet:
        command += ["--quiet"]
    process = spawn(command, log, cwd=workdir)
    emulator = Emulator(f"http://127.0.0.1:{port}", process)
    try:
        wait_for_http(f"{emulator.base_url}/v2/.well-known/openid-configuration", process, "emu")
    except RuntimeError:
        emulator.stop()
        raise
    return emulator


def personas() -> dict[str, dict]:
    """The emulator's built-in personas, by id."""
    raw = json.loads(files(EMULATOR_MODULE).joinpath("personas.json").read_text("utf-8"))
    return {p["id"]: p for p in raw}


def identity_of(persona: dict) -> Identity:
    """Who the app sees when this persona logs in with the project's scopes."""
    scopes = [scope for scope in DEFAULT_SCOPES.split() if scope in persona["data"]]
    return Identity(
        sub=pairwise_sub(persona["id"], CLIENT_ID),
        data={scope: persona["data"][scope] for scope in scopes},
    )


def admitted(persona_id: str) -> bool:
    """Whether the app's accounts/access.py lets this persona log in."""
    return may_log_in(identity_of(personas()[persona_id]))


def admitted_personas() -> list[str]:
    return [pid for pid in personas() if admitted(pid)]


def refused_personas() -> list[str]:
    return [pid for pid in personas() if not admitted(pid)]


def _default_persona() -> str:
    """Who logs in when a test names nobody: denise, or the first persona the app admits."""
    admitted_ids = sorted(admitted_personas(), key=lambda pid: pid != "denise")
    if not admitted_ids:
        raise RuntimeError("accounts/access.py refuses every emulator persona: tests cannot log in")
    return admitted_ids[0]


# Auto-approved by the tests' emulator; the tests' large personas are copies of it.
DEFAULT_PERSONA = _default_persona()


# Personas the emulator has only in the tests, beside the built-in ones: names and addresses far
# longer than any real one, so a session cannot fit the cookie store's 4 kB cookie
# (test_session_size.py). "wordy" hardly compresses; "repetitive" shrinks to almost nothing.
WORDS = random.Random(0)  # noqa: S311 (made-up words, not secrets)
LARGE_VALUES = {
    "wordy": " ".join("".join(WORDS.choices(string.ascii_lowercase, k=7)) for _ in range(750)),
    "repetitive": "Blk 1 Tan Tock Seng Avenue " * 700,
}


def large_personas() -> list[dict]:
    base = personas()[DEFAULT_PERSONA]
    scopes = ("myinfo.name", "myinfo.registered_address")
    return [
        {
            **base,
            "id": pid,
            # A name of its own: the picker labels each persona by it (the browser tests pick
            # by label, and two DENISEs would be ambiguous).
            "name": f"TEST PERSONA {pid.upper()}",
            "summary": "A value too long for the cookie store (tests only)",
            "data": {**base["data"], **dict.fromkeys(scopes, value)},
        }
        for pid, value in LARGE_VALUES.items()
    ]


def write_test_personas(path: Path) -> Path:
    """The built-in personas and the large ones, as a personas file for --personas."""
    path.write_text(json.dumps([*personas().values(), *large_personas()]), "utf-8")
    return path
