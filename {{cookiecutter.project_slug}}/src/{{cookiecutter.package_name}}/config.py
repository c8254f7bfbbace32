"""Settings from the environment, checked once at start.

Every problem is reported as one line naming the variable and how to fix it; with
APP_ENV=production the app also refuses development shortcuts (the production gate).
"""

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

from .sgid.catalog import SCOPES

APP_NAME = {{ cookiecutter.project_name | tojson }}
DEFAULT_SCOPES = " ".join(
    [
{%- for scope in cookiecutter.scopes.split() %}
        {{ scope | tojson }},
{%- endfor %}
    ]
)
DEFAULT_SGID_HOSTNAME = "https://api.id.gov.sg"
SESSION_STORE = {{ cookiecutter.session_store | tojson }}
{%- if cookiecutter.session_store == "database" %}
DEFAULT_DATABASE_URL = "sqlite:///instance/sessions.sqlite3"
{%- endif %}
MIN_SECRET_KEY_LENGTH = 32
RANDOM_VALUE_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
MAKE_DEV_KEY = f"python -m {__package__}.keys dev"
FROM_PORTAL = "it is on your client's page in the sgID developer portal"
# Limits on talking to sgID (seconds). The variables may only lower them (tests use small values):
# the whole callback must end well before the production server's 30 s worker timeout.
MAX_CONNECT_TIMEOUT = 3.0
MAX_READ_TIMEOUT = 10.0
MAX_CALLBACK_DEADLINE = 15.0
MAX_LOGIN_TTL = 600  # seconds from "Log in" to the callback
MAX_TRUSTED_PROXIES = 5


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line that says how to fix it."""


@dataclass(frozen=True)
class Settings:
    app_env: str
    secret_key: str
    sgid_client_id: str
    sgid_client_secret: str
    sgid_private_key: str
    sgid_hostname: str
    sgid_redirect_uri: str
    sgid_scopes: tuple[str, ...]
    session_idle_minutes: float
    session_max_hours: float
    jwks_refresh_cooldown: float
    sgid_connect_timeout: float
    sgid_read_timeout: float
    sgid_callback_deadline: float
    login_ttl: int
    trusted_proxies: int
{%- if cookiecutter.session_store == "database" %}
    database_url: str
{%- elif cookiecutter.session_store == "redis" %}
    redis_url: str
{%- endif %}

    @property
    def production(self) -> bool:
        return self.app_env == "production"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and check the settings; raise ConfigError on the first problem."""
    if environ is None:
        # A .env file is a development convenience; real environment variables win.
        load_dotenv(Path.cwd() / ".env", override=False)
        environ = dict(os.environ)
    env = _Env(environ)
    app_env = env.choice("APP_ENV", ("development", "production"), default="development")
    settings = Settings(
        app_env=app_env,
        secret_key=env.required("SECRET_KEY", hint=f"generate one with: {RANDOM_VALUE_COMMAND}"),
        sgid_client_id=env.required("SGID_CLIENT_ID", hint=FROM_PORTAL),
        sgid_client_secret=env.required("SGID_CLIENT_SECRET", hint=FROM_PORTAL),
        sgid_private_key=_private_key(env),
        sgid_hostname=_url(env, "SGID_HOSTNAME", DEFAULT_SGID_HOSTNAME).rstrip("/"),
        sgid_redirect_uri=_url(env, "SGID_REDIRECT_URI", None),
        sgid_scopes=_scopes(env.get("SGID_SCOPES", DEFAULT_SCOPES)),
        # Fractions are allowed so tests can use seconds.
        session_idle_minutes=env.number("SESSION_IDLE_MINUTES", default=30, low=0.01, high=24 * 60),
        session_max_hours=env.number("SESSION_MAX_HOURS", default=12, low=0.0003, high=24 * 7),
        jwks_refresh_cooldown=env.number(
            "SGID_JWKS_REFRESH_COOLDOWN", default=60, low=0, high=3600
        ),
        sgid_connect_timeout=env.number(
            "SGID_CONNECT_TIMEOUT", default=MAX_CONNECT_TIMEOUT, low=0.1, high=MAX_CONNECT_TIMEOUT
        ),
        sgid_read_timeout=env.number(
            "SGID_READ_TIMEOUT", default=MAX_READ_TIMEOUT, low=0.1, high=MAX_READ_TIMEOUT
        ),
        sgid_callback_deadline=env.number(
            "SGID_CALLBACK_DEADLINE",
            default=MAX_CALLBACK_DEADLINE,
            low=0.1,
            high=MAX_CALLBACK_DEADLINE,
        ),
        login_ttl=env.integer(
            "LOGIN_TTL_SECONDS", default=MAX_LOGIN_TTL, low=1, high=MAX_LOGIN_TTL
        ),
        # How many proxies in front (load balancer, ingress) set X-Forwarded-*; 0 ignores them.
        trusted_proxies=env.integer("TRUSTED_PROXIES", default=0, low=0, high=MAX_TRUSTED_PROXIES),
{%- if cookiecutter.session_store == "database" %}
        database_url=_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
{%- elif cookiecutter.session_store == "redis" %}
        redis_url=_url(env, "REDIS_URL", "redis://127.0.0.1:6379/0", ("redis", "rediss", "unix")),
{%- endif %}
    )
    if settings.production:
        _production_gate(settings)
    return settings


def _production_gate(settings: Settings) -> None:
    """Refuse the shortcuts that are fine on a laptop and dangerous on the internet."""
    if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH or "change" in settings.secret_key.lower():
        raise ConfigError(
            f"SECRET_KEY: in production it must be random and at least {MIN_SECRET_KEY_LENGTH} "
            f"characters long ({RANDOM_VALUE_COMMAND})"
        )
    if urlsplit(settings.sgid_redirect_uri).scheme != "https":
        raise ConfigError(
            "SGID_REDIRECT_URI: in production it must be an https:// URL registered with sgID"
        )
    hostname = urlsplit(settings.sgid_hostname)
    if hostname.scheme != "https" or _is_local(hostname.hostname or ""):
        raise ConfigError(
            "SGID_HOSTNAME: in production it must be real sgID (https://api.id.gov.sg), "
            "not the local emulator"
        )
    if settings.sgid_client_id.endswith("-dev"):
        raise ConfigError(
            "SGID_CLIENT_ID: this is the emulator's development client; use the one sgID issued"
        )


def _is_local(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _private_key(env: "_Env") -> str:
    text = env.get("SGID_PRIVATE_KEY", "")
    path = env.get("SGID_PRIVATE_KEY_FILE", "")
    if text and path:
        raise ConfigError("SGID_PRIVATE_KEY and SGID_PRIVATE_KEY_FILE are both set; keep one")
    if path:
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"SGID_PRIVATE_KEY_FILE: cannot read {path!r} ({type(exc).__name__}); "
                f"create a development key with: {MAKE_DEV_KEY}"
            ) from None
    if not text:
        raise ConfigError(
            "SGID_PRIVATE_KEY or SGID_PRIVATE_KEY_FILE must hold the sgID client's RSA private key "
            f"({MAKE_DEV_KEY} makes one for the emulator)"
        )
    # Platforms that cannot hold multi-line variables get the PEM with literal \n.
    text = text.replace("\\n", "\n").strip() + "\n"
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ConfigError(
            "SGID_PRIVATE_KEY: not an unencrypted PEM private key (PKCS#8 or PKCS#1)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ConfigError("SGID_PRIVATE_KEY: sgID needs an RSA key of at least 2048 bits")
    return text


def _url(env: "_Env", name: str, default: str | None, schemes=("http", "https")) -> str:
    if default is None:
        value = env.required(name, hint="e.g. https://app.example.gov.sg/callback")
    else:
        value = env.get(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.scheme == "unix"):
        raise ConfigError(f"{name}: {value!r} is not a valid {'/'.join(schemes)} URL")
    return value
{%- if cookiecutter.session_store == "database" %}


def _database_url(url: str) -> str:
    """A relative SQLite path means the working directory; it is made absolute here, once, so
    the schema lock, SQLAlchemy and Django open the same file wherever each resolves paths."""
    scheme, separator, rest = url.partition(":///")  # sqlite:///relative, sqlite:////absolute
    path, question_mark, query = rest.partition("?")
    if scheme.partition("+")[0] != "sqlite" or not separator or path in ("", ":memory:"):
        return url
    return f"{scheme}:///{Path(path).resolve()}{question_mark}{query}"
{%- endif %}


def _scopes(value: str) -> tuple[str, ...]:
    scopes = tuple(value.split())
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ConfigError(
            f"SGID_SCOPES: unknown scope {unknown[0]!r}; the catalog is in sgid/scopes.json"
        )
    if "openid" not in scopes:
        raise ConfigError("SGID_SCOPES: must include 'openid'")
    if len(set(scopes)) != len(scopes):
        raise ConfigError("SGID_SCOPES: a scope is listed twice")
    return scopes


class _Env:
    """Small typed reader over a mapping of environment variables."""

    def __init__(self, environ: dict[str, str]):
        self._environ = environ

    def get(self, name: str, default: str = "") -> str:
        value = self._environ.get(name, "").strip()
        return value or default

    def required(self, name: str, hint: str) -> str:
        value = self.get(name)
        if not value:
            raise ConfigError(f"{name} is not set; {hint}")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(name, default)
        if value not in choices:
            raise ConfigError(f"{name}: {value!r} is not one of {', '.join(choices)}")
        return value

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.get(name, str(default))
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}: {raw!r} is not a number") from None
        if not low <= value <= high:  # also refuses nan and inf
            raise ConfigError(f"{name}: {value:g} is outside {low:g}..{high:g}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}: {value} is outside {low}..{high}")
        return value
