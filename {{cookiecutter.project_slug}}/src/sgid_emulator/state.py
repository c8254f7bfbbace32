"""What the emulator holds while it runs: settings, pending logins, codes, tokens and faults.

Every handler runs in its connection's thread; this state sits behind one lock, and slow work
(RSA signing, sleeping for the hang fault) happens outside it.
"""

import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from {{ cookiecutter.package_name }}.sgid.catalog import SCOPES

from .config import Client
from .faults import check_faults
from .personas import Persona
from .tokens import KeyRing

PENDING_TTL = 600  # picker/consent requests expire after 10 minutes
MAX_ENTRIES = 100_000  # per table: a flood of logins cannot exhaust memory
COUNTED = ("authorize", "token", "userinfo", "jwks", "openid_configuration")


@dataclass
class AuthRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str


@dataclass
class Pending:
    request: AuthRequest
    expires: float
    persona: str | None = None


@dataclass
class CodeGrant:
    request: AuthRequest
    persona: str
    expires: float
    used: bool = False
    access_token: str | None = None


@dataclass
class AccessGrant:
    client_id: str
    persona: str
    scopes: tuple[str, ...]
    sub: str
    expires: float


@dataclass
class Settings:
    base_url: str
    clients: dict[str, Client]
    personas: dict[str, Persona]
    auto_approve: str | None = None
    faults: tuple[str, ...] = ()
    hang_seconds: float = 30.0
    code_ttl: float = 300.0
    token_ttl: float = 300.0
    id_token_ttl: float = 300.0
    quiet: bool = False


@dataclass
class State:
    faults: frozenset = frozenset()
    hang_seconds: float = 30.0
    auto_approve: str | None = None
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    connections: int = 0  # TCP connections accepted: fewer than requests when clients reuse them
    pending: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


class Emulator:
    """Everything the handlers share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        base = settings.base_url.rstrip("/")
        self.base_url = base
        self.issuer = f"{base}/v2"
        self.base_path = urlsplit(base).path
        self.keys = KeyRing()
        self.lock = threading.Lock()
        self.state = State()
        self.reset()
        self._sweep_at = 0.0

    def reset(self) -> None:
        s = self.settings
        with self.lock:
            self.state.faults = frozenset(check_faults(list(s.faults)))
            self.state.hang_seconds = s.hang_seconds
            self.state.auto_approve = s.auto_approve
            self.state.counts = dict.fromkeys(COUNTED, 0)
            self.state.connections = 0

    def admin_reset(self) -> None:
        """POST /_emulator/reset: faults cleared (not the start set), counts zeroed."""
        self.reset()
        with self.lock:
            self.state.faults = frozenset()

    def count(self, name: str) -> None:
        with self.lock:
            self.state.counts[name] += 1

    def count_connection(self) -> None:
        with self.lock:
            self.state.connections += 1

    def snapshot(self) -> tuple[frozenset, float]:
        with self.lock:
            return self.state.faults, self.state.hang_seconds

    def sweep(self, now: float) -> None:
        """Drop expired entries now and then, so long runs (benchmarks) stay bounded."""
        if now < self._sweep_at:
            return
        self._sweep_at = now + 5
        with self.lock:
            for table in (self.state.pending, self.state.codes, self.state.tokens):
                for key in [k for k, v in table.items() if v.expires < now]:
                    del table[key]
                while len(table) > MAX_ENTRIES:  # oldest first (dicts keep insertion order)
                    del table[next(iter(table))]

    def discovery(self) -> dict:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/oauth/authorize",
            "token_endpoint": f"{i}/oauth/token",
            "userinfo_endpoint": f"{i}/oauth/userinfo",
            "jwks_uri": f"{i}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "scopes_supported": list(SCOPES),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "iat", "exp", "nonce"],
        }
