"""A worker imports what it uses and nothing more: every module costs each worker process memory
for as long as it runs (the template's benchmarks hold a worker under 80 MB of RSS).

The app is loaded in a fresh interpreter the way the production server's workers load it: the
app that serve's own command names, created as that server creates it.
"""

import json
import subprocess
import sys

from {{ cookiecutter.package_name }}.config import SESSION_STORE
from {{ cookiecutter.package_name }}.keys import write_key_pair

from tests.support.servers import PACKAGE, app_environment, free_port

LOAD_LIKE_A_WORKER = f"""
import importlib, json, sys
from {PACKAGE}.web.server import production_command

command = production_command("127.0.0.1", "8000", "2")
spec = next(arg for arg in command if arg.startswith("{PACKAGE}.") and ":" in arg)
module, _, name = spec.partition(":")
app = getattr(importlib.import_module(module), name.removesuffix("()"))
if name.endswith("()") or "--factory" in command:
    app = app()
print(json.dumps(sorted(sys.modules)))
"""

# Never in a worker: the official sgID SDK and pycryptodome, which it loads (with cffi and
# cffi's C parser) to convert a key; the adapter does all it needs with jwcrypto. Nor requests
# and the charset detector it loads: the adapter calls sgID with urllib3. Nor the development
# tools: the emulator, the key generator, the dev server, pytest.
NEVER = [
    "sgid_client",
    "Crypto",
    "cffi",
    "pycparser",
    "requests",
    "charset_normalizer",
    "sgid_emulator",
    f"{PACKAGE}.keys",
    f"{PACKAGE}.dev",
    "pytest",
]
# The PostgreSQL driver is installed with the database store and loaded only for a
# PostgreSQL URL: a SQLite store never imports it.
NOT_FOR_SQLITE = ["psycopg"]


def worker_modules(tmp_path, **store_env: str) -> set[str]:
    keys = write_key_pair(tmp_path / "keys")
    env = app_environment("http://127.0.0.1:9", keys[0], "http://127.0.0.1:8000/callback")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_LIKE_A_WORKER],
        env={**env, **store_env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def imported(modules: set[str], names: list[str]) -> list[str]:
    """The names, or modules inside them, that were imported."""
    return [n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)]


def test_a_worker_imports_nothing_it_does_not_use(tmp_path):
    store_env = {
        "database": {"DATABASE_URL": f"sqlite:///{tmp_path / 'sessions.sqlite3'}"},
        "redis": {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},  # not connected to yet
        "cookie": {},
    }[SESSION_STORE]
    modules = worker_modules(tmp_path, **store_env)
    assert f"{PACKAGE}.sgid.adapter" in modules  # the app was loaded
    assert imported(modules, NEVER) == []
    if SESSION_STORE == "database":
        assert imported(modules, NOT_FOR_SQLITE) == []
