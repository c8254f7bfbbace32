"""RSA key pairs for sgID: a development pair for the emulator, or one to register with sgID.

  python -m <package>.keys dev                 # .dev-keys/ for the local emulator (idempotent)
  python -m <package>.keys register --out DIR  # a production pair; prints what to register

The private key is written with mode 0600 and never printed.
"""

import argparse
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_DIR = Path(".dev-keys")
PRIVATE_NAME = "sgid-private.pem"
PUBLIC_NAME = "sgid-public.pem"


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
    args = parser.parse_args(argv)

    if args.command == "dev":
        if (DEV_DIR / PRIVATE_NAME).exists():
            print(f"{DEV_DIR / PRIVATE_NAME} already exists; nothing to do")
            return 0
        private_path, _ = write_key_pair(DEV_DIR)
        print(f"wrote a development key pair to {DEV_DIR}/ (for the emulator only)")
        return 0

    try:
        private_path, public_path = write_key_pair(args.out)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(public_path.read_text(), end="")
    print(
        f"\nRegister the public key above in the sgID developer portal.\n"
        f"The private key is in {private_path} (mode 0600): give it to the app as\n"
        f"SGID_PRIVATE_KEY_FILE={private_path} or as the SGID_PRIVATE_KEY secret."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
