"""The sgID scope catalog: label, plain-words description and how to render each scope.

The data comes from scopes.json, written at generation from the template's single catalog;
the profile page, the emulator's consent page and the configuration checks all read it here.
"""

import json
from dataclasses import dataclass, field
from importlib.resources import files


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    description: str
    kind: str  # none | text | date | address | table
    public_sector_only: bool
    columns: dict[str, str] = field(default_factory=dict)


def _load() -> dict[str, Scope]:
    raw = json.loads(files(__package__).joinpath("scopes.json").read_text(encoding="utf-8"))
    # Columns are [key, label] pairs so their order survives JSON rendering.
    return {
        name: Scope(name=name, **{**spec, "columns": dict(spec.get("columns", []))})
        for name, spec in raw.items()
    }


SCOPES: dict[str, Scope] = _load()
