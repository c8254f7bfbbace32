"""Turns the raw strings sgID sends into what the profile page shows, per the catalog."""

import json
from dataclasses import dataclass, field
from datetime import date

from .catalog import SCOPES

NOT_PROVIDED = "Not provided"
NONE_ON_RECORD = "None on record"  # an empty list: sgID answered, and there is nothing


@dataclass(frozen=True)
class Field:
    scope: str
    label: str
    kind: str  # text | lines | table | missing
    text: str = ""
    lines: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def present(data: dict[str, str]) -> list[Field]:
    """One Field per scope sgID returned, in catalog order, unknown scopes last as text."""
    order = [s for s in SCOPES if s in data] + [s for s in data if s not in SCOPES]
    return [_field(scope, data[scope]) for scope in order]


def _field(scope: str, value: str) -> Field:
    spec = SCOPES.get(scope)
    label = spec.label if spec else scope
    kind = spec.kind if spec else "text"
    if value is None or value.strip() in ("", "NA"):
        return Field(scope, label, "missing", text=NOT_PROVIDED)
    if kind == "date":
        return Field(scope, label, "text", text=readable_date(value))
    if kind == "address":
        lines = [line.strip() for line in value.split("\n") if line.strip()]
        return Field(scope, label, "lines", lines=lines)
    if kind == "table":
        return _table(scope, label, value, spec.columns)
    return Field(scope, label, "text", text=value)


def _table(scope: str, label: str, value: str, columns: dict[str, str]) -> Field:
    try:
        items = json.loads(value)
    except ValueError:
        return Field(scope, label, "text", text=value)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return Field(scope, label, "text", text=value)
    if not items:
        return Field(scope, label, "missing", text=NONE_ON_RECORD)
    keys = list(columns) + sorted({k for i in items for k in i if k not in columns})
    rows = [[_cell(item.get(k)) for k in keys] for item in items]
    return Field(scope, label, "table", columns=[columns.get(k, k) for k in keys], rows=rows)


def _cell(value) -> str:
    if value is None or value == "NA" or value == "":
        return NOT_PROVIDED
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def readable_date(value: str) -> str:
    """ "2030-08-09" -> "9 August 2030"; partial dates "1990-05" and "1990" stay partial."""
    parts = value.split("-")
    try:
        if len(parts) == 3:
            d = date(int(parts[0]), int(parts[1]), int(parts[2]))
            return f"{d.day} {d:%B %Y}"
        if len(parts) == 2:
            return f"{date(int(parts[0]), int(parts[1]), 1):%B %Y}"
        if len(parts) == 1 and len(value) == 4:
            return str(int(value))
    except ValueError:
        pass
    return value
