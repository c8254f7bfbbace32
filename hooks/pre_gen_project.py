"""Check every answer before anything is generated.

Cookiecutter renders this file with the answers, runs it inside the new (still empty) project
directory, and deletes that directory when it exits non-zero. Every problem is reported, one
line each, so a scripted run can be fixed in one go. The rules' data (choices, scope catalog,
reserved package names, unsupported combinations) is read from the template's own
cookiecutter.json, its single source, rather than from the answers: a replay file can carry
stale or edited copies of those tables.
"""

import difflib
import json
import keyword
import re
import sys
from pathlib import Path

SCOPES_HELP = "See README.md#scopes"
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_PATTERN = re.compile(r"[a-z_][a-z0-9_]*")
SCOPE_NAMESPACES = ("myinfo.", "pocdex.")
DEFAULT_SCOPES = "openid myinfo.name"


def check_project_slug(slug: str) -> list[str]:
    if SLUG_PATTERN.fullmatch(slug):
        return []
    return [
        f'ERROR: project_slug "{slug}" must be lowercase letters, digits and single hyphens, '
        f"starting with a letter. Pass e.g. project_slug={suggest_slug(slug)}"
    ]


def suggest_slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if slug[:1].isalpha() else f"app-{slug}".rstrip("-")


def check_package_name(name: str, reserved: list[str]) -> list[str]:
    problem = package_name_problem(name, reserved)
    if problem is None:
        return []
    return [
        f'ERROR: package_name "{name}" {problem}. '
        f"Pass e.g. package_name={suggest_package_name(name, reserved)}"
    ]


def package_name_problem(name: str, reserved: list[str]) -> str | None:
    """Why the package name cannot be used, or None when it can."""
    if name[:1].isdigit():
        return "starts with a digit, which Python cannot import"
    if not (PACKAGE_PATTERN.fullmatch(name) and name.isidentifier()):
        return "must be lowercase letters, digits and underscores (a Python identifier)"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "is a Python keyword"
    if name in sys.stdlib_module_names:
        return f'would shadow the standard-library module "{name}"'
    # Compared case-insensitively: on macOS and Windows a "crypto" package shadows "Crypto".
    clashes = [module for module in reserved if module.lower() == name]
    if clashes:
        return f'would shadow "{clashes[0]}", which the generated project imports'
    return None


def suggest_package_name(name: str, reserved: list[str]) -> str:
    package = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "app"
    if package[0].isdigit():
        package = f"app_{package}"
    if package_name_problem(package, reserved):
        package = f"{package}_app"
    return package


def check_scopes(answer: object, catalog: dict) -> list[str]:
    if not isinstance(answer, str):
        return [f'ERROR: scopes must be one space-separated string. Pass scopes="{DEFAULT_SCOPES}"']
    scopes = answer.split()
    if not scopes:
        return [f'ERROR: scopes is empty; openid is required. Pass scopes="{DEFAULT_SCOPES}"']
    problems = [unknown_scope_message(scope, catalog) for scope in scopes if scope not in catalog]
    for scope in sorted({scope for scope in scopes if scopes.count(scope) > 1}):
        problems.append(f'ERROR: scope "{scope}" is listed more than once in scopes. List it once.')
    if "openid" not in scopes:
        fixed = " ".join(["openid", *dict.fromkeys(s for s in scopes if s in catalog)])
        problems.append(
            "ERROR: scopes must include openid (sgID refuses logins without it). "
            f'Pass scopes="{fixed}"'
        )
    return problems


def unknown_scope_message(scope: str, catalog: dict) -> str:
    message = f'ERROR: scope "{scope}" is not in the sgID catalog.'
    suggestion = suggest_scope(scope, catalog)
    if suggestion:
        message += f' Did you mean "{suggestion}"?'
    return f"{message} {SCOPES_HELP}"


def suggest_scope(scope: str, catalog: dict) -> str | None:
    """The catalog scope the person most likely meant: case or namespace slips, then typos."""
    lowered = scope.lower()
    for candidate in (lowered, *(namespace + lowered for namespace in SCOPE_NAMESPACES)):
        if candidate in catalog:
            return candidate
    matches = difflib.get_close_matches(lowered, catalog, n=1)
    return matches[0] if matches else None


def check_choices(answers: dict, template: dict) -> list[str]:
    """Choice answers must be listed choices: replay files and the API can pass anything."""
    problems = []
    for variable in ("framework", "session_store"):
        choices = template[variable]
        if answers.get(variable) not in choices:
            problems.append(
                f'ERROR: {variable} "{answers.get(variable)}" is not a choice. '
                f"Pass one of: {', '.join(f'{variable}={choice}' for choice in choices)}"
            )
    if not isinstance(answers.get("validate"), bool):
        problems.append(
            f'ERROR: validate "{answers.get("validate")}" must be true or false. '
            "Pass validate=true or validate=false (needs cookiecutter 2.7 or newer)"
        )
    return problems


def check_combinations(answers: dict, catalog: dict, unsupported: list[dict]) -> list[str]:
    """Apply the _unsupported_combinations table of cookiecutter.json."""
    problems = []
    scopes = answers["scopes"].split() if isinstance(answers.get("scopes"), str) else []
    for rule in unsupported:
        if any(answers.get(variable) != value for variable, value in rule["when"].items()):
            continue
        chosen = " ".join(f"{variable}={value}" for variable, value in rule["when"].items())
        if "scope_kind" not in rule:
            problems.append(f"ERROR: {chosen} is not supported: {rule['why']}; {rule['fix']}")
            continue
        kind = rule["scope_kind"]
        offending = [s for s in dict.fromkeys(scopes) if catalog.get(s, {}).get("kind") == kind]
        if offending:
            problems.append(
                f"ERROR: scopes {', '.join(offending)} cannot be used with {chosen}: "
                f"{rule['why']}; {rule['fix']}"
            )
    return problems


def validate(answers: dict, template: dict) -> list[str]:
    """Every problem with the answers, one line each; empty when generation may go ahead.

    template: cookiecutter.json as the template ships it (choices, catalog, rule tables).
    """
    catalog = template["_scope_catalog"]
    return [
        *check_project_slug(str(answers["project_slug"])),
        *check_package_name(str(answers["package_name"]), template["_reserved_package_names"]),
        *check_scopes(answers["scopes"], catalog),
        *check_choices(answers, template),
        *check_combinations(answers, catalog, template["_unsupported_combinations"]),
    ]


def rendered_answers() -> dict:
    """The answers, rendered into this file by cookiecutter."""
    # The answers arrive as JSON inside a raw string: tojson escapes every quote inside values
    # and never writes three quotes in a row, so no answer can end the string or inject code;
    # json.loads then restores the exact values.
    return json.loads(r"""{{ cookiecutter | tojson }}""")


def template_config(answers: dict) -> dict:
    """The template's cookiecutter.json (cookiecutter tells us where its copy of it is)."""
    config_file = Path(answers["_repo_dir"]) / "cookiecutter.json"
    return json.loads(config_file.read_text(encoding="utf-8"))


def main() -> int:
    answers = rendered_answers()
    problems = validate(answers, template_config(answers))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
