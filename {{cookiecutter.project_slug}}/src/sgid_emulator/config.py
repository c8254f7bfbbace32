"""Registered clients: from command-line flags and/or a JSON file."""

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from {{ cookiecutter.package_name }}.sgid.catalog import SCOPES


class ConfigError(ValueError):
    """A bad client definition; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str]
    public_key: rsa.RSAPublicKey  # parsed once: userinfo encrypts to it on every call


def load_public_key(value: str) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM file path or PEM text; a private key gives its public half.

    PEM text from a .env file often carries literal "\\n" sequences instead of newlines.
    """
    text = value
    if "-----BEGIN" not in text:
        try:
            text = Path(value).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"public key is neither PEM text nor a readable file: {exc}") from exc
    if "\\n" in text and "\n" not in text.strip():
        text = text.replace("\\n", "\n")
    data = text.strip().encode("ascii", "replace")
    key = None
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read the client's RSA key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("the client's key must be an RSA key")
    if key.key_size < 2048:
        raise ConfigError("the client's RSA key must be at least 2048 bits")
    return key


def parse_scopes(value: str | list | None) -> frozenset[str]:
    if value is None:
        return frozenset(SCOPES)
    names = value.split() if isinstance(value, str) else list(value)
    unknown = [s for s in names if not isinstance(s, str) or s not in SCOPES]
    if unknown:
        raise ConfigError(f"unknown scope(s): {', '.join(map(str, unknown))}")
    if "openid" not in names:
        names.append("openid")
    return frozenset(names)


def make_client(client_id, client_secret, redirect_uris, scopes, public_key) -> Client:
    if not isinstance(client_id, str) or not client_id:
        raise ConfigError("client_id must be a non-empty string")
    if not isinstance(client_secret, str) or not client_secret:
        raise ConfigError(f"client {client_id!r}: client_secret must be a non-empty string")
    if (
        not isinstance(redirect_uris, (list, tuple))
        or not redirect_uris
        or not all(isinstance(u, str) and u for u in redirect_uris)
    ):
        raise ConfigError(f"client {client_id!r}: needs at least one redirect URI")
    if public_key is None:
        raise ConfigError(f"client {client_id!r}: needs a public key (userinfo is encrypted to it)")
    return Client(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uris=tuple(redirect_uris),
        scopes=parse_scopes(scopes),
        public_key=load_public_key(public_key),
    )


def load_clients_file(path: str) -> list[Client]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read clients file {path}: {exc}") from exc
    if not isinstance(raw, list):
        raise ConfigError("clients file must hold a JSON list of client objects")
    clients = []
    for item in raw:
        if not isinstance(item, dict):
            raise ConfigError("each client in the clients file must be an object")
        key = item.get("public_key")
        if key is None and item.get("public_key_file"):
            key_path = Path(item["public_key_file"])
            if not key_path.is_absolute():
                key_path = Path(path).parent / key_path
            key = str(key_path)
        clients.append(
            make_client(
                item.get("client_id"),
                item.get("client_secret"),
                item.get("redirect_uris"),
                item.get("scopes"),
                key,
            )
        )
    return clients
