"""The recipes of a generated README ("Build on it"), read from its marked code blocks and
applied to the project as a reader would: the edit the README documents, made by program.

Each block the tests apply follows a marker line, `<!-- recipe NAME: ACTION [PATH] [:: ANCHOR] -->`:
create, append or replace PATH with the block; `after PATH :: ANCHOR` inserts it after the
first line that reads ANCHOR; `replace-line PATH :: PREFIX` replaces the first line starting
with PREFIX; `run` runs the block in the project folder.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

RECIPES = ("public-page", "protected-page", "another-scope", "restrict-login", "user-records")
ACTIONS = ("create", "append", "replace", "after", "replace-line", "run")

_STEP = re.compile(
    r"^<!-- recipe (?P<recipe>[\w-]+): (?P<action>[\w-]+)(?: (?P<path>[^ ]+))?"
    r"(?: :: (?P<anchor>.+?))? -->\n```[^\n]*\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Step:
    recipe: str
    action: str
    path: str | None
    anchor: str | None
    body: str


def steps(readme: str) -> list[Step]:
    found = [Step(**match.groupdict()) for match in _STEP.finditer(readme)]
    markers = readme.count("<!-- recipe ")
    assert len(found) == markers, f"{markers - len(found)} recipe markers not followed by a block"
    for step in found:
        assert step.recipe in RECIPES, f"unknown recipe {step.recipe!r}"
        assert step.action in ACTIONS, f"unknown action {step.action!r}"
        assert (step.path is None) == (step.action == "run"), step
        assert (step.anchor is not None) == (step.action in ("after", "replace-line")), step
    return sorted(found, key=lambda step: RECIPES.index(step.recipe))  # stable: keeps order


def apply(project: Path, step: Step) -> None:
    if step.action == "run":
        subprocess.run(step.body, shell=True, cwd=project, check=True, timeout=300)  # noqa: S602
        return
    path = project / step.path
    if step.action == "create":
        assert not path.exists(), f"{step.recipe}: {step.path} exists already"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step.body, encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if step.action == "replace":
        text = step.body
    elif step.action == "append":
        text = text.rstrip("\n") + "\n\n\n" + step.body
    else:
        lines = text.splitlines(keepends=True)
        at = _line_index(lines, step)
        if step.action == "after":
            indent = re.match(r"\s*", lines[at]).group()
            lines[at + 1 : at + 1] = [indent + line for line in step.body.splitlines(True)]
        else:
            lines[at] = step.body
        text = "".join(lines)
    path.write_text(text, encoding="utf-8")


def _line_index(lines: list[str], step: Step) -> int:
    for index, line in enumerate(lines):
        if step.action == "after" and line.strip() == step.anchor:
            return index
        if step.action == "replace-line" and line.startswith(step.anchor):
            return index
    raise AssertionError(f"{step.recipe}: no line {step.anchor!r} in {step.path}")
