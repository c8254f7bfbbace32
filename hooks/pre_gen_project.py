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
import os
import re
import shlex
import sys
from pathlib import Path

SCOPES_HELP = "See README.md#scopes"
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_PATTERN = re.compile(r"[a-z_][a-z0-9_]*")
SCOPE_NAMESPACES = ("myinfo.", "pocdex.")
DEFAULT_SCOPES = "openid myinfo.name"
DEFAULT_PROJECT_NAME = "sgID App"
# cookiecutter.json derives project_slug as `project_name | slugify or "_"`: a name with no
# letters or digits would otherwise render an empty slug, and cookiecutter would stop with
# "directory already exists" (the output directory itself) before this hook could explain.
NO_SLUG = "_"
# The questions, in the order a corrected command passes them.
QUESTIONS = (
    "project_name",
    "project_slug",
    "package_name",
    "framework",
    "session_store",
    "scopes",
    "validate",
)
CHOICE_VARIABLES = ("framework", "session_store")


def check_project_name(name: str, slug: str) -> list[str]:
    if not name.strip():
        return [
            "ERROR: project_name is empty; it names the folder and is shown on every page. "
            f'Pass e.g. project_name="{DEFAULT_PROJECT_NAME}"'
        ]
    if slug == NO_SLUG:
        return [
            f'ERROR: project_name "{name}" has no letters or digits to make the folder name from. '
            f'Pass a name with some, e.g. project_name="{DEFAULT_PROJECT_NAME}", '
            f"or a folder name, e.g. project_slug={suggest_slug(DEFAULT_PROJECT_NAME)}"
        ]
    return []


def check_project_slug(slug: str) -> list[str]:
    if SLUG_PATTERN.fullmatch(slug) or slug == NO_SLUG:  # NO_SLUG: check_project_name says why
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
    slug, package = str(answers["project_slug"]), str(answers["package_name"])
    # A slug and package derived from a name without letters: the name's message says it all.
    derived_from_no_name = slug == NO_SLUG and package == NO_SLUG.replace("-", "_")
    return [
        *check_project_name(str(answers["project_name"]), slug),
        *check_project_slug(slug),
        *([] if derived_from_no_name else check_package_name(package, reserved(template))),
        *check_scopes(answers["scopes"], catalog),
        *check_choices(answers, template),
        *check_combinations(answers, catalog, template["_unsupported_combinations"]),
    ]


def rendered_by_cruft(answers: dict) -> bool:
    """cruft calls cookiecutter's generate_files itself: _commit, and no _repo_dir."""
    return bool(answers.get("_commit")) and not answers.get("_repo_dir")


def reserved(template: dict) -> list[str]:
    return template["_reserved_package_names"]


# --- one corrected command ------------------------------------------------------------------


def corrected_answers(answers: dict, template: dict) -> tuple[dict, str]:
    """Answers that pass validate(), changing only what is wrong, and how a conflict was settled.

    Each fix agrees with the others: the slug is fixed before the package name derived from
    it, the scopes before the store they must fit, and a store that cannot hold the wanted
    scopes is swapped for the first one that can (the scopes are what the app is for; the
    store is a deployment choice). Only when no other choice is known are the scopes dropped.
    """
    fixed = {question: answers.get(question) for question in QUESTIONS}
    name = str(fixed["project_name"])
    if not name.strip():
        name = fixed["project_name"] = DEFAULT_PROJECT_NAME
    slug = str(fixed["project_slug"])
    if slug == NO_SLUG:  # the name has no letters or digits: the default name's folder
        fixed["project_slug"] = suggest_slug(DEFAULT_PROJECT_NAME)
    elif check_project_slug(slug):
        fixed["project_slug"] = suggest_slug(slug)
    package = str(fixed["package_name"])
    if fixed["project_slug"] != slug and package == slug.replace("-", "_"):
        package = str(fixed["project_slug"]).replace("-", "_")  # it was derived: derive again
    if package_name_problem(package, reserved(template)):
        package = suggest_package_name(package, reserved(template))
    fixed["package_name"] = package
    for variable in CHOICE_VARIABLES:
        choices = template[variable]
        if fixed[variable] not in choices:
            close = difflib.get_close_matches(str(fixed[variable]).lower(), choices, n=1)
            fixed[variable] = close[0] if close else choices[0]
    fixed["scopes"] = corrected_scopes(fixed["scopes"], template["_scope_catalog"])
    if not isinstance(fixed["validate"], bool):
        fixed["validate"] = str(fixed["validate"]).strip().lower() not in FALSE_WORDS
    if rendered_by_cruft(answers):
        fixed["validate"] = False
    return fixed, settle_combinations(fixed, template)


FALSE_WORDS = ("0", "false", "n", "no", "off")


def corrected_scopes(answer: object, catalog: dict) -> str:
    if not isinstance(answer, str) or not answer.split():
        return DEFAULT_SCOPES
    known = [s if s in catalog else suggest_scope(s, catalog) for s in answer.split()]
    return " ".join(dict.fromkeys(["openid", *(scope for scope in known if scope)]))


def settle_combinations(fixed: dict, template: dict) -> str:
    """Resolve _unsupported_combinations in place; say what was chosen, or "" if nothing was."""
    catalog, rules = template["_scope_catalog"], template["_unsupported_combinations"]

    def refused(answers: dict) -> bool:
        return bool(check_combinations(answers, catalog, rules))

    notes = []
    for rule in rules:
        if not check_combinations(fixed, catalog, [rule]):
            continue
        before = {variable: fixed[variable] for variable in rule["when"]}
        for variable in rule["when"]:
            for choice in template.get(variable, []):
                if not refused({**fixed, variable: choice}):
                    fixed[variable] = choice
                    break
            if not check_combinations(fixed, catalog, [rule]):
                break
        kind = rule.get("scope_kind")
        wanted = [s for s in fixed["scopes"].split() if catalog[s].get("kind") == kind]
        changed = [f"{v}={fixed[v]}" for v, value in before.items() if fixed[v] != value]
        if changed and kind:
            kept = " ".join(f"{v}={value}" for v, value in before.items())
            notes.append(
                f"{', '.join(changed)}, which can hold {', '.join(wanted)}; "
                f"to keep {kept}, drop {', '.join(wanted)} instead"
            )
        elif changed:
            notes.append(", ".join(changed))
        elif kind:  # no other choice known: keep the store, drop the scopes it cannot hold
            fixed["scopes"] = " ".join(s for s in fixed["scopes"].split() if s not in wanted)
            notes.append(f"without {', '.join(wanted)}")
    return "; ".join(notes)


def corrected_command(answers: dict, fixed: dict) -> str:
    """One command, shell-quoted, that generates the project with the corrected answers."""
    template = shlex.quote(str(answers.get("_template", ".")))
    values = [
        f"{question}={str(value).lower() if isinstance(value, bool) else value}"
        for question, value in fixed.items()
    ]
    if rendered_by_cruft(answers):
        context = json.dumps(fixed, ensure_ascii=False)
        return f"cruft create {template} --no-input --extra-context {shlex.quote(context)}"
    options = ["--no-input"]
    if answers.get("_checkout"):
        options += ["--checkout", str(answers["_checkout"])]
    output_dir = answers.get("_output_dir")
    if output_dir and not same_directory(output_dir, os.environ.get("PWD")):
        options += ["--output-dir", str(output_dir)]
    return shlex.join(["cookiecutter", str(answers.get("_template", ".")), *options, *values])


def same_directory(first: str, second: str | None) -> bool:
    try:
        return second is not None and os.path.samefile(first, second)
    except OSError:
        return False


def rendered_answers() -> dict:
    """The answers, rendered into this file by cookiecutter."""
    # The answers arrive as JSON inside a raw string: tojson escapes every quote inside values
    # and never writes three quotes in a row, so no answer can end the string or inject code;
    # json.loads then restores the exact values.
    return json.loads(r"""{{ cookiecutter | tojson }}""")


def template_config(answers: dict) -> dict:
    """The template's cookiecutter.json: its choices, scope catalog and rule tables.

    Cookiecutter (its command, its API, pytest-cookies, replays) says where its copy of the
    template is: _repo_dir. A replay file's context can carry stale or edited copies of the
    tables, so they are read from there. cruft calls cookiecutter's generate_files itself,
    with no _repo_dir, but builds the context from the template's cookiecutter.json at the
    commit it renders and passes only the public answers: there the private tables in the
    answers are the template's own; the choice lists are not, and the answers given are the
    only choices known (so a conflict is settled by dropping scopes, never by another store).
    """
    if answers.get("_repo_dir"):
        config_file = Path(answers["_repo_dir"]) / "cookiecutter.json"
        return json.loads(config_file.read_text(encoding="utf-8"))
    # cookiecutter has refused any choice outside its list before cruft gets here (its
    # generate_context checks extra context), and the lists are not in the context.
    choices = {variable: [answers.get(variable)] for variable in CHOICE_VARIABLES}
    return {**answers, **choices}


def main() -> int:
    answers = rendered_answers()
    template = template_config(answers)
    problems = validate(answers, template)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        fixed, settled = corrected_answers(answers, template)
        how = f" ({settled})" if settled else ""
        print(f"With every answer corrected{how}, run:", file=sys.stderr)
        print(f"  {corrected_command(answers, fixed)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
