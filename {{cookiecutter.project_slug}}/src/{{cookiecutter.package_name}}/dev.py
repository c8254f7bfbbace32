"""Development: the app with auto-reload plus the local sgID emulator, in one command.

  python -m <package>.dev [--port 8000] [--emulator-port 5156] [--host localhost]

Reads .env. The app listens where SGID_REDIRECT_URI points (http://localhost:8000 by default)
and the emulator where SGID_HOSTNAME points (http://localhost:5156). --port (or PORT) and
--emulator-port (or EMULATOR_PORT) move them; the URLs the app and emulator use follow.
"""

import argparse
import errno
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from .config import ConfigError, load_settings
from .keys import DEV_DIR, PUBLIC_NAME, public_pem
from .web.server import dev_command, prepare

COMMAND = f"python -m {__package__}.dev"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
EMULATOR = "sgid_emulator"  # beside the app in src/, never in its wheel or image
EMULATOR_START_SECONDS = 15


class DevError(Exception):
    """The dev command cannot go on; the message is one line saying how to fix it."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="The app with auto-reload plus the local sgID emulator."
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=os.environ.get("PORT") or None,
        help="the app's port (default: PORT, else SGID_REDIRECT_URI's port, 8000)",
    )
    parser.add_argument(
        "--emulator-port",
        type=port_number,
        default=os.environ.get("EMULATOR_PORT") or None,
        help="the emulator's port (default: EMULATOR_PORT, else SGID_HOSTNAME's port, 5156)",
    )
    parser.add_argument(
        "--host",
        help="the address the app listens on (default: SGID_REDIRECT_URI's host, localhost)",
    )
    return parser.parse_args(argv)


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        for problem in str(exc).splitlines():
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    try:
        return run(settings, args)
    except DevError as exc:
        print(f"dev: {exc}", file=sys.stderr)
        return 2


def run(settings, args: argparse.Namespace) -> int:
    if settings.production:
        raise DevError(
            f"APP_ENV is production; the production server is: python -m {__package__}.serve"
        )
    app_url = moved(settings.sgid_redirect_uri, args.port)
    sgid_url = urlsplit(settings.sgid_hostname)
    emulated = sgid_url.hostname in LOCAL_HOSTS
    if args.emulator_port and not emulated:
        raise DevError(
            f"--emulator-port: SGID_HOSTNAME is {settings.sgid_hostname}, not the local emulator"
        )
    sgid_hostname = urlunsplit(moved(settings.sgid_hostname, args.emulator_port))
    # The app runs in a child process that reads the same .env: these win over it.
    os.environ["SGID_REDIRECT_URI"] = urlunsplit(app_url)
    os.environ["SGID_HOSTNAME"] = sgid_hostname
    settings = load_settings()
    host, port = args.host or app_url.hostname or "localhost", app_url.port or 80
    check_free(host, port, "the app", "--port")
    prepare(settings)
    emulator = server = None
    # SIGTERM (a process manager, an IDE, the tests) stops both servers as Ctrl+C does, instead
    # of leaving them running without this process; SIGINT too when started in the background
    # by a shell, which starts such commands with Ctrl+C ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if emulated:
            emulator_port = urlsplit(sgid_hostname).port or 80
            check_free("127.0.0.1", emulator_port, "the emulator", "--emulator-port")
            emulator = start_emulator(settings, emulator_port)
        print(
            f"\n  App:      {app_url.scheme}://{app_url.netloc}/\n  Emulator: {sgid_hostname}/v2"
            f"\n  Stop both with Ctrl+C\n",
            flush=True,
        )
        command, env = dev_command(host, port)
        server = subprocess.Popen(command, env=env)
        return watch(server, emulator)
    except KeyboardInterrupt:
        return 0
    finally:
        # A terminal's Ctrl+C reaches both servers too, and an impatient second one must not
        # cut this clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for process in (server, emulator):
            stop(process)


def moved(url: str, port: int | None):
    """The URL's parts, with another port when one is given."""
    parts = urlsplit(url)
    if port is None:
        return parts
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return parts._replace(netloc=f"{host}:{port}")


def check_free(host: str, port: int, what: str, flag: str) -> None:
    """Refuse to start beside whatever holds the port: the browser would reach that instead."""
    if port_is_free(host, port):
        return
    free = next((p for p in range(port + 1, min(port + 100, 65536)) if port_is_free(host, p)), 0)
    raise DevError(
        f"port {port} for {what} is in use (another dev server?); stop it, or move {what} "
        f"with: {COMMAND} {flag} {free or '<port>'}"
    )


def port_is_free(host: str, port: int) -> bool:
    """False when something listens there, on any address the name has ("localhost" is both
    127.0.0.1 and ::1, and a browser may try either)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise DevError(f"cannot resolve the host {host!r}; use --host 127.0.0.1") from None
    for family, kind, _, _, address in addresses:
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return False
    return True


def start_emulator(settings, port: int) -> subprocess.Popen:
    # Only the editable development install puts src/ (and so the emulator) on the path.
    if importlib.util.find_spec(EMULATOR) is None:
        raise DevError(
            "the sgID emulator is not installed (it is development-only); install the dev "
            "setup from the project folder with: uv sync  (or: pip install -e .)"
        )
    public_key = DEV_DIR / PUBLIC_NAME
    # Only ever the public half on the command line: any local user can read `ps`.
    client_key = public_key if public_key.exists() else public_pem(settings.sgid_private_key)
    # "--flag=value": a random secret may start with "-", which argparse would misread.
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            EMULATOR,
            f"--port={port}",
            f"--base-url={settings.sgid_hostname}",
            f"--client-id={settings.sgid_client_id}",
            f"--client-secret={settings.sgid_client_secret}",
            f"--redirect-uri={settings.sgid_redirect_uri}",
            f"--client-public-key={client_key}",
        ]
    )
    deadline = time.monotonic() + EMULATOR_START_SECONDS
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            raise DevError(
                f"the emulator could not start on port {port} (exit status "
                f"{emulator.returncode}, above); move it with: {COMMAND} --emulator-port <port>"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return emulator
        except OSError:
            time.sleep(0.1)
    stop(emulator)
    raise DevError(f"the emulator did not answer on port {port} within {EMULATOR_START_SECONDS} s")


def watch(server: subprocess.Popen, emulator: subprocess.Popen | None) -> int:
    """Serve until either server stops; then the other one stops too."""
    while True:
        status = server.poll()
        if status is not None:
            if status != 0:
                raise DevError(f"the app server stopped (exit status {status}, above)")
            return 0
        if emulator is not None and emulator.poll() is not None:
            raise DevError(f"the emulator stopped (exit status {emulator.returncode}, above)")
        time.sleep(0.2)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


if __name__ == "__main__":
    sys.exit(main())
