"""The admin API (loopback clients only): fault switches, key rotation, auto-approve, reset,
state, counts and connections. Tests and benchmarks drive the emulator through it."""

import ipaddress

from . import tokens
from .faults import check_faults
from .framing import HttpError


def is_loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


class AdminApi:
    """/_emulator/...: what the tests switch and read."""

    def admin_state(self) -> None:
        emu = self.server.emulator
        with emu.lock:
            st = emu.state
            body = {
                "faults": sorted(st.faults),
                "hang_seconds": st.hang_seconds,
                "counts": dict(st.counts),
                "kids": emu.keys.kids,
                "auto_approve": st.auto_approve,
                "issuer": emu.issuer,
            }
        self._json(200, body)

    def admin_stats(self) -> None:
        """Connections accepted since start or the last reset (this request's own included), so a
        test can tell a client that keeps connections alive from one that opens one per call."""
        emu = self.server.emulator
        with emu.lock:
            body = {"connections": emu.state.connections, "counts": dict(emu.state.counts)}
        self._json(200, body)

    def admin_put_faults(self) -> None:
        emu = self.server.emulator
        body = self._json_body()
        names = body.get("faults", [])
        if not isinstance(names, list):
            raise HttpError(400, "invalid_request", "faults must be a list of names")
        try:
            faults = check_faults(names)
        except ValueError as exc:
            raise HttpError(400, "invalid_request", str(exc)) from exc
        hang = body.get("hang_seconds")
        if hang is not None and (
            isinstance(hang, bool) or not isinstance(hang, (int, float)) or not 0 <= hang <= 3600
        ):
            raise HttpError(400, "invalid_request", "hang_seconds must be a number from 0 to 3600")
        tokens.prepare(frozenset(faults))
        with emu.lock:
            emu.state.faults = frozenset(faults)
            if hang is not None:
                emu.state.hang_seconds = float(hang)
        self.admin_state()

    def admin_delete_faults(self) -> None:
        emu = self.server.emulator
        with emu.lock:
            emu.state.faults = frozenset()
        self.admin_state()

    def admin_rotate(self) -> None:
        emu = self.server.emulator
        body = self._json_body(required=False)
        keep_old = body.get("keep_old", True)
        if not isinstance(keep_old, bool):
            raise HttpError(400, "invalid_request", "keep_old must be true or false")
        key = emu.keys.rotate(keep_old)
        self._json(200, {"kid": key.kid, "kids": emu.keys.kids})

    def admin_auto_approve(self) -> None:
        emu = self.server.emulator
        body = self._json_body()
        if "persona" not in body:
            raise HttpError(400, "invalid_request", 'send {"persona": "<id>"} or {"persona": null}')
        persona = body["persona"]
        if persona is not None and persona not in emu.settings.personas:
            raise HttpError(
                400,
                "invalid_request",
                "unknown persona; valid: " + ", ".join(emu.settings.personas),
            )
        with emu.lock:
            emu.state.auto_approve = persona
        self.admin_state()

    def admin_reset(self) -> None:
        self.server.emulator.admin_reset()
        self.admin_state()

    def admin_personas(self) -> None:
        people = self.server.emulator.settings.personas.values()
        self._json(200, [{"id": p.id, "name": p.name} for p in people])
