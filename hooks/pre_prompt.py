"""Before any question: refuse an old cookiecutter, record the template's commit, and show
people the sgID scope catalog.

Cookiecutter runs this file as is (not rendered) from a temporary copy of the template (with
its .git, when it is a clone), so it may adjust that copy's cookiecutter.json before the
questions are asked. cruft never runs it: cruft records the commit itself (_commit).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

MINIMUM_COOKIECUTTER = (2, 7)
PUBLIC_SECTOR_MARK = "*"
SCOPES_PROMPT_WITH_CATALOG = (
    "sgID scopes, space separated (catalog listed above; openid is required)"
)


def version_tuple(version: str) -> tuple[int, int]:
    """(major, minor) of a version string such as "2.7.1" or "2.10.0rc1"; (0, 0) if unreadable."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def old_cookiecutter_message(version: str) -> str | None:
    """The one-line refusal for a cookiecutter older than 2.7, or None when it is new enough."""
    if version_tuple(version) >= MINIMUM_COOKIECUTTER:
        return None
    # 2.7 is the first release whose booleans (validate) and hooks behave as this template needs.
    return (
        f"ERROR: this template needs cookiecutter 2.7 or newer, found {version}. "
        'Upgrade it: pip install -U "cookiecutter>=2.7" (or: pipx upgrade cookiecutter)'
    )


def catalog_lines(catalog: dict) -> list[str]:
    """The scope catalog, one scope per line, public-sector-only scopes marked."""
    width = max(len(name) for name in catalog) + 2
    lines = [
        f"sgID scopes ({PUBLIC_SECTOR_MARK} = public sector only: other clients get only openid "
        "and myinfo.name)"
    ]
    for name, spec in catalog.items():
        mark = PUBLIC_SECTOR_MARK if spec.get("public_sector_only") else " "
        lines.append(f"  {mark} {name:<{width}}{spec['description']}")
    return lines


def point_scopes_prompt_at_catalog(config_file: Path) -> None:
    """Shorten the scopes question now that the catalog is on screen.

    Replaces only that one JSON string, so the rest of the file keeps its layout, and does
    nothing when the text is not the expected one (already replaced, or edited by hand).
    """
    text = config_file.read_text(encoding="utf-8")
    current = json.loads(text)["__prompts__"]["scopes"]
    if current == SCOPES_PROMPT_WITH_CATALOG:
        return
    old, new = json.dumps(current), json.dumps(SCOPES_PROMPT_WITH_CATALOG)
    if text.count(old) == 1:
        config_file.write_text(text.replace(old, new), encoding="utf-8")


def template_commit(directory: Path) -> str | None:
    """The commit the template was copied from, or None when it is not a git clone."""
    if not (directory / ".git").exists():
        return None
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):  # no git, or a stuck one
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def record_template_commit(config_file: Path, commit: str) -> None:
    """Fill the empty _template_commit of the copy's cookiecutter.json (its only change)."""
    text = config_file.read_text(encoding="utf-8")
    old, new = '"_template_commit": ""', f'"_template_commit": {json.dumps(commit)}'
    if text.count(old) == 1:
        config_file.write_text(text.replace(old, new), encoding="utf-8")


def installed_cookiecutter_version() -> str:
    # The hook runs with cookiecutter's own interpreter, so the package is importable.
    import cookiecutter

    return cookiecutter.__version__


def main() -> int:
    refusal = old_cookiecutter_message(installed_cookiecutter_version())
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    config_file = Path("cookiecutter.json")
    commit = template_commit(Path.cwd())
    if commit:
        record_template_commit(config_file, commit)
    # Scripted runs (no terminal) get no catalog: nobody is there to read it.
    if sys.stdin.isatty():
        catalog = json.loads(config_file.read_text(encoding="utf-8"))["_scope_catalog"]
        print("\n".join(catalog_lines(catalog)) + "\n")
        point_scopes_prompt_at_catalog(config_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
