"""Settings from the environment, checked once at start.

Every problem is reported, all at once, as one line naming the variable and how to fix it; with
APP_ENV=production the app also refuses development shortcuts (the production gate).
"""

import difflib
import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

# The limits on talking to sgID are the adapter's; the variables may only lower them.
from .sgid.adapter import CALLBACK_DEADLINE, CONNECT_TIMEOUT, LOGIN_TTL, READ_TIMEOUT
from .sgid.catalog import SCOPES
from .stores import session_store

APP_NAME = {{ cookiecutter.project_name | tojson }}
# The scopes answered when the project was generated, one a line (a long list stays within the
# line length).
DEFAULT_SCOPES = " ".join(
    """
{{ cookiecutter.scopes.split() | join("\n") }}
""".splitlines()
).strip()
DEFAULT_SGID_HOSTNAME = "https://api.id.gov.sg"
SESSION_STORE = {{ cookiecutter.session_store | tojson }}
MIN_SECRET_KEY_LENGTH = 32
RANDOM_VALUE_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
MAKE_DEV_KEY = f"python -m {__package__}.keys dev"
# The production key pair: keys.py writes it and prints what to register with sgID.
MAKE_PRODUCTION_KEY = f"python -m {__package__}.keys register --out ./sgid-keys --redirect-uri"
DEV_KEY_FILE = ".dev-keys/sgid-private.pem"  # keys.py's DEV_DIR / PRIVATE_NAME
PLACEHOLDER_REDIRECT_URI = "https://<your host>/callback"
SCOPE_CATALOG = f"src/{__package__}/sgid/scopes.json"  # in the project folder
FROM_PORTAL = "it is on your client's page in the sgID developer portal"
MAX_TRUSTED_PROXIES = 5


class ConfigError(Exception):
    """Settings that are missing or wrong.

    `problems` holds one line per problem, each naming the variable and how to fix it;
    str() is those lines joined with newlines. A single string is split into its lines.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = problems.splitlines() if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


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
    store_url: str  # the session store's DATABASE_URL or REDIS_URL ("" for the cookie store)

    @property
    def production(self) -> bool:
        return self.app_env == "production"


def load_settings(
    environ: dict[str, str] | None = None,
    *,
    store_check: Callable[[str], str | None] | None = None,
) -> Settings:
    """Read and check the settings; raise one ConfigError listing every problem.

    With environ None, read the process environment and a .env file in the working directory.
    In production, store_check(url) (serve passes session_store.store_problem) returns the
    problem with reaching the session store, if any, so that it is reported with the rest.
    """
    env_file = None
    if environ is None:
        # A .env file is a development convenience; real environment variables win.
        env_file = Path.cwd() / ".env"
        load_dotenv(env_file, override=False)
        environ = dict(os.environ)
    env = _Env(environ)
    app_env = env.choice("APP_ENV", ("development", "production"), default="development")
    production = app_env == "production" and "APP_ENV" not in env.failed
    secret_key = env.required("SECRET_KEY", hint=f"generate one with: {RANDOM_VALUE_COMMAND}")
    client_id = env.required("SGID_CLIENT_ID", hint=FROM_PORTAL)
    client_secret = env.required("SGID_CLIENT_SECRET", hint=FROM_PORTAL)
    redirect_uri = _url(env, "SGID_REDIRECT_URI", None)
    settings = Settings(
        app_env=app_env,
        secret_key=secret_key,
        sgid_client_id=client_id,
        sgid_client_secret=client_secret,
        sgid_private_key=_private_key(env, production, redirect_uri),
        sgid_hostname=_url(env, "SGID_HOSTNAME", DEFAULT_SGID_HOSTNAME).rstrip("/"),
        sgid_redirect_uri=redirect_uri,
        sgid_scopes=_scopes(env, env.get("SGID_SCOPES", DEFAULT_SCOPES)),
        # Fractions are allowed so tests can use seconds.
        session_idle_minutes=env.number("SESSION_IDLE_MINUTES", default=30, low=0.01, high=24 * 60),
        session_max_hours=env.number("SESSION_MAX_HOURS", default=12, low=0.0003, high=24 * 7),
        jwks_refresh_cooldown=env.number(
            "SGID_JWKS_REFRESH_COOLDOWN", default=60, low=0, high=3600
        ),
        sgid_connect_timeout=env.number(
            "SGID_CONNECT_TIMEOUT", default=CONNECT_TIMEOUT, low=0.1, high=CONNECT_TIMEOUT
        ),
        sgid_read_timeout=env.number(
            "SGID_READ_TIMEOUT", default=READ_TIMEOUT, low=0.1, high=READ_TIMEOUT
        ),
        sgid_callback_deadline=env.number(
            "SGID_CALLBACK_DEADLINE",
            default=CALLBACK_DEADLINE,
            low=0.1,
            high=CALLBACK_DEADLINE,
        ),
        login_ttl=env.integer("LOGIN_TTL_SECONDS", default=LOGIN_TTL, low=1, high=LOGIN_TTL),
        # How many proxies in front (load balancer, ingress) set X-Forwarded-*; 0 ignores them.
        trusted_proxies=env.integer("TRUSTED_PROXIES", default=0, low=0, high=MAX_TRUSTED_PROXIES),
        store_url=session_store.read_url(env, _url),
    )
    if production:
        _production_gate(env, settings)
        if store_check is not None and session_store.VARIABLE not in env.failed:
            # The last check of the production gate; it needs the store's URL, and nothing else.
            problem = store_check(settings.store_url)
            if problem:
                env.problem(session_store.VARIABLE, problem)
    if env.problems:
        problems = env.problems
        if env.missing and not production and env_file is not None and not env_file.is_file():
            problems = [
                f"no .env in {env_file.parent}: run this command from the project folder, or "
                "create .env (cp .env.example .env), or set the variables in the environment",
                *problems,
            ]
        raise ConfigError(problems)
    return settings


def _production_gate(env: "_Env", settings: Settings) -> None:
    """Refuse the shortcuts that are fine on a laptop and dangerous on the internet.

    A variable already reported (missing or malformed) is not judged again here.
    """
    secret_key = settings.secret_key
    if "SECRET_KEY" not in env.failed and (
        len(secret_key) < MIN_SECRET_KEY_LENGTH or "change" in secret_key.lower()
    ):
        env.problem(
            "SECRET_KEY",
            f"SECRET_KEY: in production it must be random and at least {MIN_SECRET_KEY_LENGTH} "
            f"characters long ({RANDOM_VALUE_COMMAND})",
        )
    if (
        "SGID_REDIRECT_URI" not in env.failed
        and urlsplit(settings.sgid_redirect_uri).scheme != "https"
    ):
        env.problem(
            "SGID_REDIRECT_URI",
            "SGID_REDIRECT_URI: in production it must be an https:// URL registered with sgID",
        )
    hostname = urlsplit(settings.sgid_hostname)
    if "SGID_HOSTNAME" not in env.failed and (
        hostname.scheme != "https" or _is_local(hostname.hostname or "")
    ):
        env.problem(
            "SGID_HOSTNAME",
            "SGID_HOSTNAME: in production it must be real sgID (https://api.id.gov.sg), "
            "not the local emulator",
        )
    if "SGID_CLIENT_ID" not in env.failed and settings.sgid_client_id.endswith("-dev"):
        env.problem(
            "SGID_CLIENT_ID",
            "SGID_CLIENT_ID: this is the emulator's development client; use the one sgID issued",
        )


def _is_local(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _make_key(production: bool, redirect_uri: str) -> str:
    """How to make the missing key: for the emulator, or a pair to register with sgID."""
    if not production:
        return (
            f"create a development key with: {MAKE_DEV_KEY} "
            f"(it writes {DEV_KEY_FILE}, for SGID_PRIVATE_KEY_FILE)"
        )
    parts = urlsplit(redirect_uri)
    if parts.scheme != "https" or not parts.netloc or not parts.path.endswith("/callback"):
        redirect_uri = PLACEHOLDER_REDIRECT_URI
    return (
        "if you have none yet, make a key pair to register with sgID: "
        f"{MAKE_PRODUCTION_KEY} {redirect_uri}"
    )


def _private_key(env: "_Env", production: bool, redirect_uri: str) -> str:
    text = env.get("SGID_PRIVATE_KEY", "")
    path = env.get("SGID_PRIVATE_KEY_FILE", "")
    if text and path:
        env.problem(
            "SGID_PRIVATE_KEY", "SGID_PRIVATE_KEY and SGID_PRIVATE_KEY_FILE are both set; keep one"
        )
        return ""
    if path:
        where = "" if Path(path).is_absolute() else f" in {Path.cwd()}"
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            env.problem(
                "SGID_PRIVATE_KEY_FILE",
                f"SGID_PRIVATE_KEY_FILE: cannot read {path!r}{where} ({type(exc).__name__}); "
                + _make_key(production, redirect_uri),
            )
            return ""
    if not text:
        env.problem(
            "SGID_PRIVATE_KEY",
            "SGID_PRIVATE_KEY or SGID_PRIVATE_KEY_FILE must hold the sgID client's RSA private "
            f"key; {_make_key(production, redirect_uri)}",
            missing=True,
        )
        return ""
    # Platforms that cannot hold multi-line variables get the PEM with literal \n.
    text = text.replace("\\n", "\n").strip() + "\n"
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    name = "SGID_PRIVATE_KEY_FILE" if path else "SGID_PRIVATE_KEY"
    try:
        key = load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        env.problem(name, f"{name}: not an unencrypted PEM private key (PKCS#8 or PKCS#1)")
        return ""
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        env.problem(name, f"{name}: sgID needs an RSA key of at least 2048 bits")
        return ""
    return text


def _url(env: "_Env", name: str, default: str | None, schemes=("http", "https")) -> str:
    if default is None:
        value = env.required(name, hint="e.g. https://app.example.gov.sg/callback")
        if not value:
            return ""
    else:
        value = env.get(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.scheme == "unix"):
        env.problem(name, f"{name}: {value!r} is not a valid {'/'.join(schemes)} URL")
        return ""
    return value


def _scopes(env: "_Env", value: str) -> tuple[str, ...]:
    scopes = tuple(value.split())
    if "," in value:
        env.problem(
            "SGID_SCOPES",
            f"SGID_SCOPES: separate scopes with spaces, not commas "
            f"(SGID_SCOPES={' '.join(value.replace(',', ' ').split())!r})",
        )
        return scopes
    for scope in dict.fromkeys(s for s in scopes if s not in SCOPES):
        suggestion = _closest_scope(scope)
        did_you_mean = f" (did you mean {suggestion}?)" if suggestion else ""
        env.problem(
            "SGID_SCOPES",
            f"SGID_SCOPES: unknown scope {scope!r}{did_you_mean}; "
            f"the scopes sgID offers are listed in {SCOPE_CATALOG}",
        )
    if "openid" not in scopes:
        env.problem("SGID_SCOPES", "SGID_SCOPES: must include 'openid' (sgID's login scope)")
    twice = [s for s in dict.fromkeys(scopes) if s in SCOPES and scopes.count(s) > 1]
    if twice:
        env.problem(
            "SGID_SCOPES", f"SGID_SCOPES: {', '.join(map(repr, twice))} listed twice; keep one"
        )
    return scopes


def _closest_scope(scope: str) -> str | None:
    """The catalog scope a mistyped one most likely meant: a case slip (MyInfo.Name), a missing
    or misspelt namespace (name, myinf.name), part of a name (nric) or a typo (myinfo.nmae)."""
    by_lower = {name.lower(): name for name in SCOPES}
    wanted = scope.lower()
    if wanted in by_lower:
        return by_lower[wanted]
    # Compared without the namespace, which would make every myinfo.* scope look alike.
    part = wanted.rpartition(".")[2]
    by_part: dict[str, list[str]] = {}
    for name in SCOPES:
        by_part.setdefault(name.lower().rpartition(".")[2], []).append(name)
    same = by_part.get(part, [])
    if len(same) == 1:
        return same[0]
    longer = [name for key, names in by_part.items() if part in key for name in names]
    if len(part) >= 3 and len(longer) == 1:
        return longer[0]
    close = difflib.get_close_matches(part, by_part, n=1, cutoff=0.7)
    if close and len(by_part[close[0]]) == 1:
        return by_part[close[0]][0]
    return None


class _Env:
    """Small typed reader over a mapping of environment variables that collects problems.

    A reader that finds a problem records it and returns a placeholder, so that checking goes
    on and every problem is reported at once.
    """

    def __init__(self, environ: dict[str, str]):
        self._environ = environ
        self.problems: list[str] = []
        self.failed: set[str] = set()  # variables with a problem reported
        self.missing = False  # a required variable is not set

    def problem(self, name: str, message: str, missing: bool = False) -> None:
        self.problems.append(message)
        self.failed.add(name)
        self.missing = self.missing or missing

    def get(self, name: str, default: str = "") -> str:
        value = self._environ.get(name, "").strip()
        return value or default

    def required(self, name: str, hint: str) -> str:
        value = self.get(name)
        if not value:
            self.problem(name, f"{name} is not set; {hint}", missing=True)
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(name, default)
        if value not in choices:
            self.problem(name, f"{name}: {value!r} is not one of {', '.join(choices)}")
        return value

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.get(name, str(default))
        try:
            value = float(raw)
        except ValueError:
            self.problem(name, f"{name}: {raw!r} is not a number")
            return default
        if not low <= value <= high:  # also refuses nan and inf
            self.problem(name, f"{name}: {value:g} is outside {low:g}..{high:g}")
            return default
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            self.problem(name, f"{name}: {raw!r} is not a whole number")
            return default
        if not low <= value <= high:
            self.problem(name, f"{name}: {value} is outside {low}..{high}")
            return default
        return value
