"""Development: the app with auto-reload plus the local sgID emulator, in one command.

  python -m <package>.dev

Reads .env; the app listens where SGID_REDIRECT_URI points (http://localhost:8000 by default)
and the emulator where SGID_HOSTNAME points (http://localhost:5156).
"""

import signal
import subprocess
import sys
from urllib.parse import urlsplit

from .config import ConfigError, load_settings
from .keys import DEV_DIR, PUBLIC_NAME, public_pem
from .web.server import dev_command, prepare


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.production:
        print("dev: APP_ENV=production; use python -m <package>.serve instead", file=sys.stderr)
        return 2
    prepare(settings)
    app_url, sgid_url = urlsplit(settings.sgid_redirect_uri), urlsplit(settings.sgid_hostname)
    emulator = None
    if sgid_url.hostname in ("localhost", "127.0.0.1"):
        public_key = DEV_DIR / PUBLIC_NAME
        # Only ever the public half on the command line: any local user can read `ps`.
        client_key = public_key if public_key.exists() else public_pem(settings.sgid_private_key)
        # "--flag=value": a random secret may start with "-", which argparse would misread.
        emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                f"{__package__}.sgid.emulator",
                f"--port={sgid_url.port or 80}",
                f"--base-url={settings.sgid_hostname}",
                f"--client-id={settings.sgid_client_id}",
                f"--client-secret={settings.sgid_client_secret}",
                f"--redirect-uri={settings.sgid_redirect_uri}",
                f"--client-public-key={client_key}",
            ]
        )
    app_home = f"{app_url.scheme}://{app_url.netloc}/"
    print(f"\n  App:      {app_home}\n  Emulator: {settings.sgid_hostname}/v2\n", flush=True)
    command, env = dev_command(app_url.hostname or "127.0.0.1", app_url.port or 8000)
    # SIGTERM (a process manager, an IDE, the tests) stops both servers as Ctrl+C does, instead
    # of leaving them running without this process.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = subprocess.Popen(command, env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, emulator):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    sys.exit(main())
