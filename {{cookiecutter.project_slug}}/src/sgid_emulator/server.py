"""The emulator's HTTP server: one ThreadingHTTPServer whose handler routes each path to the
authorize pages, the back-channel endpoints or the admin API.

Modules: framing (HTTP requests and responses), state (what the emulator holds), authorize and
oidc (the sgID endpoints), admin (the admin API and fault switches), pages (HTML and CSS).
"""

import sys
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

from . import pages
from .admin import AdminApi, is_loopback
from .authorize import AuthorizeEndpoint
from .framing import FramedHandler, HttpError
from .oidc import OidcEndpoints
from .state import Emulator


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging fault must not hold up shutdown
    request_queue_size = 128

    def __init__(self, address, emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, Handler)

    def process_request(self, request, client_address) -> None:
        # Once per accepted connection, however many requests it then carries (keep-alive).
        self.emulator.count_connection()
        super().process_request(request, client_address)

    def handle_error(self, request, client_address) -> None:
        # Clients hanging up mid-request are routine (timeouts, fuzzers): not worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class Handler(AuthorizeEndpoint, OidcEndpoints, AdminApi, FramedHandler):
    server: EmulatorServer

    def _routes(self) -> dict:
        emu = self.server.emulator
        v2 = emu.base_path + "/v2"
        adm = emu.base_path + "/_emulator"
        return {
            f"{v2}/oauth/authorize": {"GET": self.authorize_get, "POST": self.authorize_post},
            f"{v2}/oauth/token": {"POST": self.token},
            f"{v2}/oauth/userinfo": {"GET": self.userinfo},
            f"{v2}/.well-known/jwks.json": {"GET": self.jwks},
            f"{v2}/.well-known/openid-configuration": {"GET": self.openid_configuration},
            emu.base_path + pages.CSS_PATH: {"GET": self.css},
            f"{adm}/state": {"GET": self.admin_state},
            f"{adm}/stats": {"GET": self.admin_stats},
            f"{adm}/faults": {"PUT": self.admin_put_faults, "DELETE": self.admin_delete_faults},
            f"{adm}/rotate-key": {"POST": self.admin_rotate},
            f"{adm}/auto-approve": {"PUT": self.admin_auto_approve},
            f"{adm}/reset": {"POST": self.admin_reset},
            f"{adm}/personas": {"GET": self.admin_personas},
        }

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        methods = self._routes().get(path)
        if methods is None:
            raise HttpError(404, "not_found", "no such endpoint")
        allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else [])])
        if method == "HEAD" and "GET" in methods:
            method = "GET"
        if method == "OPTIONS":
            self._send(204, b"", "text/plain", (("Allow", allow),))
            return
        handler = methods.get(method)
        if handler is None:
            raise HttpError(405, "invalid_request", f"use {allow}", (("Allow", allow),))
        if (
            path.startswith(self.server.emulator.base_path + "/_emulator/")
            and "/static/" not in path
            and not is_loopback(self.client_address[0])
        ):
            raise HttpError(403, "access_denied", "the admin API answers loopback clients only")
        handler()
