"""Command line: ``python -m sgid_emulator --help``."""

import argparse
import os
import signal
import sys

from . import tokens
from .config import ConfigError, load_clients_file, make_client
from .faults import ALL_FAULTS, check_faults
from .personas import load_personas
from .server import EmulatorServer
from .state import Emulator, Settings


def _ttl(limit: float | None):
    def parse(text: str) -> float:
        value = float(text)
        if not value > 0 or (limit is not None and value > limit):
            raise argparse.ArgumentTypeError(
                f"must be more than 0{f' and at most {limit:g}' if limit else ''} seconds"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sgid_emulator",
        description=(
            "A local sgID v2 (OpenID Connect) for development and tests. Endpoints live under "
            "<base-url>/v2 exactly like https://api.id.gov.sg/v2; point SGID_HOSTNAME at "
            "<base-url>. Never expose it: its people are fake and its admin API is unauthenticated "
            "(loopback clients only)."
        ),
        epilog=(
            "Fault names: " + ", ".join(ALL_FAULTS) + ". "
            "Admin API (loopback only): GET /_emulator/state, GET /_emulator/stats (connections "
            "accepted), PUT|DELETE /_emulator/faults, POST /_emulator/rotate-key, "
            "PUT /_emulator/auto-approve, POST /_emulator/reset, GET /_emulator/personas."
        ),
    )
    net = p.add_argument_group("network")
    net.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1; the admin API still answers "
        "loopback clients only)",
    )
    net.add_argument(
        "--port",
        type=int,
        default=5156,
        help="port to bind (default 5156; 0 picks a free one, shown on stdout)",
    )
    net.add_argument(
        "--base-url",
        help="public URL of the emulator (default http://<host>:<port>); the "
        "issuer is <base-url>/v2, never taken from the Host header",
    )
    cl = p.add_argument_group("the registered client (or use --clients)")
    cl.add_argument("--client-id", help="client_id of the one client defined by flags")
    cl.add_argument("--client-secret", help="its client_secret (checked with client_secret_post)")
    cl.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        metavar="URI",
        help="a registered redirect URI, matched exactly (repeat for several)",
    )
    cl.add_argument(
        "--scopes",
        help="scopes this client may request, space separated "
        "(default: every scope in the catalog)",
    )
    cl.add_argument(
        "--client-public-key",
        metavar="PEM_OR_FILE",
        help="the client's RSA public key, as a PEM file path or PEM text; userinfo "
        "is encrypted to it (a private key PEM works too: its public half is "
        "used)",
    )
    cl.add_argument(
        "--clients",
        metavar="FILE.json",
        help="a JSON list of clients: objects with client_id, client_secret, "
        "redirect_uris, scopes (optional) and public_key (PEM text) or "
        "public_key_file",
    )
    beh = p.add_argument_group("behaviour")
    beh.add_argument(
        "--auto-approve",
        metavar="PERSONA_ID",
        default=os.environ.get("SGID_EMULATOR_AUTO_APPROVE") or None,
        help="skip the persona picker and consent page and log in as this persona "
        "at once (env SGID_EMULATOR_AUTO_APPROVE); login_hint=<persona id> on "
        "/authorize then picks someone else",
    )
    beh.add_argument(
        "--personas",
        metavar="FILE.json",
        help="use these personas instead of the built-in personas.json",
    )
    beh.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="start with this fault switched on (repeatable; env "
        "SGID_EMULATOR_FAULTS, comma separated); names are listed below",
    )
    beh.add_argument(
        "--hang-seconds",
        type=float,
        default=30.0,
        metavar="N",
        help="how long the <endpoint>.hang faults stall, and the seconds between bytes of "
        "the <endpoint>.trickle faults (default 30)",
    )
    for flag, most, what in (
        ("--code-ttl", 300, "authorization code lifetime (default 300, at most 300)"),
        ("--token-ttl", None, "access token lifetime (default 300)"),
        ("--id-token-ttl", None, "ID token lifetime, exp - iat (default 300)"),
    ):
        beh.add_argument(flag, type=_ttl(most), default=300.0, metavar="SECONDS", help=what)
    beh.add_argument(
        "--quiet", action="store_true", help="do not log one line per request to stderr"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        clients = load_clients_file(args.clients) if args.clients else []
        if args.client_id or args.client_secret or args.redirect_uri or args.client_public_key:
            clients.append(
                make_client(
                    args.client_id,
                    args.client_secret,
                    args.redirect_uri,
                    args.scopes,
                    args.client_public_key,
                )
            )
        if not clients:
            raise ConfigError(
                "no client: pass --client-id, --client-secret, --redirect-uri and "
                "--client-public-key, or --clients FILE.json"
            )
        if len({c.client_id for c in clients}) != len(clients):
            raise ConfigError("client_id values must be unique")
        personas = load_personas(args.personas)
        if args.auto_approve is not None and args.auto_approve not in personas:
            raise ConfigError(
                f"--auto-approve: unknown persona {args.auto_approve!r}; valid: "
                + ", ".join(personas)
            )
        env_faults = [f.strip() for f in os.environ.get("SGID_EMULATOR_FAULTS", "").split(",")]
        faults = check_faults([f for f in env_faults if f] + args.fault)
        if not 0 <= args.hang_seconds <= 3600:
            raise ConfigError("--hang-seconds must be from 0 to 3600")
    except (ConfigError, ValueError, OSError) as exc:
        parser.exit(2, f"sgid-emulator: error: {exc}\n")

    tokens.prepare(frozenset(faults))
    settings = Settings(
        base_url="",
        clients={c.client_id: c for c in clients},
        personas=personas,
        auto_approve=args.auto_approve,
        faults=tuple(faults),
        hang_seconds=args.hang_seconds,
        code_ttl=args.code_ttl,
        token_ttl=args.token_ttl,
        id_token_ttl=args.id_token_ttl,
        quiet=args.quiet,
    )
    try:
        # Bind first so --port 0 can report the real port; the emulator is attached after.
        server = EmulatorServer((args.host, args.port), None)
    except OSError as exc:
        parser.exit(2, f"sgid-emulator: error: cannot listen on {args.host}:{args.port}: {exc}\n")
    host, port = server.server_address[:2]
    if args.base_url:
        settings.base_url = args.base_url
    else:
        shown = f"[{host}]" if ":" in host else host
        settings.base_url = f"http://{shown}:{port}"
    server.emulator = Emulator(settings)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"sgid-emulator listening on {server.emulator.base_url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
