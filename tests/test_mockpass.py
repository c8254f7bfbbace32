"""Slow: a baked app of every framework logs in, unchanged, against MockPass 4.3.4, the
Singpass and sgID mock many government teams test with (`@opengovsg/mockpass` on npm), by the
generated README's "Against MockPass" commands.

MockPass serves sgID v2 at `/v2/oauth/{authorize,token,userinfo}` and `/v2/.well-known/*`, and
its issuer is `http://<the Host it was called by>/v2`: exactly the app's "SGID_HOSTNAME + /v2",
and its default port, 5156, is the emulator's, so the project's .env already points at it. It
accepts any client id, secret and redirect URI, checks no PKCE, and encrypts userinfo to the RP
key in its package, `static/certs/key.pem` (RSA-OAEP / A128CBC-HS256 for the key, dir / A256GCM
for the fields). Without SHOW_LOGIN_PAGE it logs in MOCKPASS_NRIC at once (a redirect straight
back to the app); its login page picks a person by script, which plain HTTP cannot follow.

The app runs under its production server (`python -m <package>.serve`) with the .env's
APP_ENV=development: the dev command would start the built-in emulator on MockPass's port.

Run with: uv run pytest tests/test_mockpass.py -m slow
"""

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import readme_commands
import requests
from person import Person
from terminal import SHELL_ENV, Server, free_port, missing

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
FRAMEWORKS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))[
    "framework"
]
MOCKPASS_VERSION = "4.3.4"
SCOPES = "openid myinfo.name myinfo.email"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def mockpass_package() -> Path:
    """MockPass installed with npm once into a cache folder kept between runs."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("node and npm are not on PATH (apt-get install nodejs npm); MockPass needs them")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sgid-template"
    folder = cache / f"mockpass-{MOCKPASS_VERSION}"
    package = folder / "node_modules" / "@opengovsg" / "mockpass"
    complete = folder / ".installed"  # written last: an interrupted install is done again
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"mockpass-{MOCKPASS_VERSION}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers install it once
        if not complete.exists() or installed_version(package) != MOCKPASS_VERSION:
            shutil.rmtree(folder, ignore_errors=True)
            done = subprocess.run(
                [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund"]
                + ["--ignore-scripts", f"@opengovsg/mockpass@{MOCKPASS_VERSION}"],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                missing(
                    f"npm could not install MockPass:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
                )
            complete.touch()
    assert installed_version(package) == MOCKPASS_VERSION, package
    return package


def installed_version(package: Path) -> str | None:
    try:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("version") if (package / "index.js").is_file() else None


def persona(mockpass_package: Path, nric: str) -> dict[str, str]:
    """What MockPass sends for this NRIC: its own MyInfo test data."""
    data = json.loads((mockpass_package / "static" / "myinfo" / "v3.json").read_text("utf-8"))
    person = data["personas"][nric]
    return {"name": person["name"]["value"], "email": person["email"]["value"]}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_readme_logs_in_against_mockpass(
    framework, mockpass_package, run_cookiecutter, tmp_path
):
    """The generated README's "Against MockPass" commands, as written but on free ports: the
    npm install is the cached one, MockPass runs from the project folder, the app under serve."""
    started = time.monotonic()
    if not shutil.which("uv"):
        missing("uv is not on PATH")
    output_dir = tmp_path / "out"
    baked = run_cookiecutter(output_dir, f"framework={framework}", "validate=false")
    assert baked.returncode == 0, baked.stdout + baked.stderr
    project = output_dir / "sgid-app"
    subprocess.run(
        ["uv", "sync", "-q", "--compile-bytecode"],
        cwd=project,
        env=SHELL_ENV,
        check=True,
        timeout=900,
    )
    readme = readme_commands.Readme((project / "README.md").read_text(encoding="utf-8"))
    [commands] = readme.section("Against MockPass")
    install, run_mockpass, run_app = commands
    # The install, with the cached package in the folder it names.
    prefix = re.fullmatch(
        rf"npm install --prefix (\S+) @opengovsg/mockpass@{MOCKPASS_VERSION}", install
    )
    assert prefix, install
    (project / prefix[1]).symlink_to(mockpass_package.parents[2], target_is_directory=True)
    nric = re.match(r"MOCKPASS_NRIC=(\S+) ", run_mockpass)[1]

    mockpass_port, port = free_port(), free_port()
    mockpass_url, app_url = f"http://localhost:{mockpass_port}", f"http://localhost:{port}"
    mockpass = Server(
        run_mockpass, project, {"MOCKPASS_PORT": str(mockpass_port)}, tmp_path / "mockpass.log"
    )
    app = Server(
        run_app,
        project,
        {
            # The ports move (the rest is the README's command and the project's .env); more
            # scopes than the default, and one worker on a small machine.
            "SGID_HOSTNAME": mockpass_url,
            "PORT": str(port),
            "SGID_REDIRECT_URI": f"{app_url}/callback",
            "SGID_SCOPES": SCOPES,
            "WEB_CONCURRENCY": "1",
        },
        tmp_path / "app.log",
    )
    try:
        mockpass.wait_for(f"{mockpass_url}/v2/.well-known/openid-configuration")
        configuration = requests.get(
            f"{mockpass_url}/v2/.well-known/openid-configuration", timeout=5
        )
        assert configuration.json()["issuer"] == f"{mockpass_url}/v2"  # SGID_HOSTNAME + "/v2"
        app.wait_for(f"{app_url}/")
        expected = persona(mockpass_package, nric)
        person = Person(f"{app_url}/")
        try:
            # The app's link, MockPass's authorize (straight back), the callback, the profile.
            person.click_link("Log in with Singpass")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{app.output()}\n{mockpass.output()}") from None
        assert person.page.url.startswith(app_url), person.page.url
        assert "Log out" in person.text, person.text[:3000]
        assert expected["name"] in person.text, person.text[:3000]
        assert expected["email"] in person.text, person.text[:3000]
        # MockPass sends the NRIC whatever was asked: only the requested scopes are kept.
        assert nric not in person.text and "NRIC" not in person.text, person.text[:3000]
        assert "dropped 1 field(s) for scopes not requested" in app.output(), app.output()
        assert "Redirecting login from " in mockpass.output(), mockpass.output()
        person.press("Log out")
        assert "You have logged out" in person.text, person.text[:2000]
        assert "Log out" not in person.text
    finally:
        app.stop()
        mockpass.stop()
    print(
        f"{framework}: baked, installed and logged in against MockPass in "
        f"{time.monotonic() - started:.1f} s"
    )
