"""RSA key pairs for sgID: a development pair for the emulator, or one to register with sgID.

  python -m <package>.keys dev                 # .dev-keys/ for the local emulator (idempotent)
  python -m <package>.keys register --out DIR --redirect-uri https://…/callback
                                               # a production pair; prints what to register

The private key is written with mode 0600 and never printed.
"""

import argparse
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .config import DEFAULT_SCOPES

DEV_DIR = Path(".dev-keys")
PRIVATE_NAME = "sgid-private.pem"
PUBLIC_NAME = "sgid-public.pem"


def public_pem(private_pem: str) -> str:
    """The public key, as PEM text, of an RSA private key given as PEM text."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def write_key_pair(directory: Path) -> tuple[Path, Path]:
    """Create an RSA-2048 key pair in `directory`; refuses to overwrite an existing one."""
    private_path, public_path = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    if private_path.exists():
        raise FileExistsError(f"{private_path} already exists; delete it first to make a new one")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev", help="create .dev-keys/ for the local emulator if it is missing")
    register = commands.add_parser("register", help="create a key pair to register with sgID")
    register.add_argument("--out", type=Path, required=True, help="directory for the new key pair")
    register.add_argument(
        "--redirect-uri",
        required=True,
        help="the app's public callback, e.g. https://app.example.gov.sg/callback",
    )
    args = parser.parse_args(argv)

    if args.command == "dev":
        if (DEV_DIR / PRIVATE_NAME).exists():
            print(f"{DEV_DIR / PRIVATE_NAME} already exists; nothing to do")
            return 0
        private_path, _ = write_key_pair(DEV_DIR)
        print(f"wrote a development key pair to {DEV_DIR}/ (for the emulator only)")
        return 0

    if not args.redirect_uri.startswith("https://") or not args.redirect_uri.endswith("/callback"):
        print("error: --redirect-uri must be the app's https://…/callback URL", file=sys.stderr)
        return 1
    try:
        private_path, public_path = write_key_pair(args.out)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(registration_instructions(public_path, private_path, args.redirect_uri))
    return 0


def registration_instructions(public_path: Path, private_path: Path, redirect_uri: str) -> str:
    scopes = os.environ.get("SGID_SCOPES", DEFAULT_SCOPES)
    return (
        "Register this client in the sgID developer portal with:\n\n"
        f"  Redirect URI: {redirect_uri}\n"
        f"  Scopes:       {scopes}\n"
        "  Public key:\n\n"
        f"{public_path.read_text()}\n"
        "Then give the app its configuration (never commit these):\n\n"
        "  SGID_CLIENT_ID / SGID_CLIENT_SECRET  from the portal\n"
        f"  SGID_REDIRECT_URI={redirect_uri}\n"
        f"  SGID_PRIVATE_KEY_FILE={private_path}   (mode 0600; or the PEM text as the\n"
        "  SGID_PRIVATE_KEY secret of your platform, with \\n for newlines)"
    )


if __name__ == "__main__":
    sys.exit(main())
