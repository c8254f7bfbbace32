"""The fake people one can log in as (personas.json: fake NRICs, realistic Singapore data)."""

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from {{ cookiecutter.package_name }}.sgid.catalog import SCOPES


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    summary: str
    data: dict[str, str]


def load_personas(path: str | None = None) -> dict[str, Persona]:
    """Read and check personas: every one needs a string value for every data scope."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = files(__package__).joinpath("personas.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    if not isinstance(raw, list) or not raw:
        raise ValueError("personas file must hold a non-empty JSON list")
    needed = [name for name in SCOPES if name != "openid"]
    personas: dict[str, Persona] = {}
    for item in raw:
        pid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(pid, str) or not pid or pid in personas:
            raise ValueError(f"persona without a unique id: {item!r:.80}")
        data = item.get("data", {})
        missing = [s for s in needed if not isinstance(data.get(s), str)]
        if missing:
            raise ValueError(f"persona {pid!r} lacks a string value for {', '.join(missing)}")
        personas[pid] = Persona(
            id=pid,
            name=str(item.get("name") or data["myinfo.name"]),
            summary=str(item.get("summary", "")),
            data=dict(data),
        )
    return personas
