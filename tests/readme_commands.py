"""The commands a README shows, taken from its ```bash blocks, and which test runs each.

The journeys (test_journeys.py) run the ones a person runs first, exactly as written; HOW says,
for every command a generated README may show, which test runs it or why none can here.
"""

import re

# A README command, matched from its start, and the test that runs it (or why none can).
HOW = [
    (r"\.venv/bin/python -m \w+\.dev$", "test_journeys: the dev command, as written"),
    (r"uv sync$", "test_journeys: first-time steps, in the project and in a fresh clone"),
    (r"python -m venv \.venv && ", "test_install: the pip path, as written"),
    (r"\.venv/bin/python -m \w+\.keys dev$", "test_journeys: first-time steps"),
    (r"cp -n \.env\.example \.env$", "test_journeys: first-time steps (a fresh clone has no .env)"),
    (r"\.venv/bin/python -m \w+\.keys register ", "test_journeys: production server"),
    (r"\.venv/bin/python -m \w+\.serve$", "test_journeys: production server, from an empty folder"),
    (r"\.venv/bin/python -m \w+\.manage makemigrations", "test_recipes: the user-records recipe"),
    (r"\.venv/bin/python -m \w+\.manage ", "test_journeys: production server (Django's commands)"),
    (r"git init && git add \. && git commit ", "test_journeys: a fresh clone"),
    (r"uv lock$", "test_journeys: production server (the lock is up to date)"),
    (
        r"(TEST_DATABASE=postgresql )?\.venv/bin/python -m pytest",
        "test_generated_suites: every combination's suite (quick check, waits, scaleout, "
        "PostgreSQL) in the project's own .venv",
    ),
    (r"\.venv/bin/pre-commit |pre-commit ", "test_install: pre-commit in a fresh project"),
    (r"cookiecutter --replay-file ", "test_updating: replaying the kept answers"),
    (r"cruft |git add \.cruft\.json ", "test_updating: cruft link, check, diff and update"),
    (r"redis-server$", "test_journeys: the redis store's journey starts one, as the README says"),
    (r"python -m \w+\.serve$", "test_journeys: the image's CMD, run from an empty folder"),
    (
        r"uv sync --locked$|uv run (pytest|pre-commit run)",
        "test_install: the project's CI steps, run in a project generated without uv",
    ),
    (
        r"npm install --prefix \S+ @opengovsg/mockpass@|MOCKPASS_NRIC=|SGID_PRIVATE_KEY_FILE=\S+"
        r"/mockpass/static/certs/key\.pem ",
        "test_mockpass: MockPass and the app as written, on free ports (npm installs into a cache)",
    ),
    (r"apt(-get)? install ", "not run: system packages, which .ci/run installs with apt-get"),
    (
        r"pipx? install (uv|cruft)$",
        "not run: installs a tool into the person's own Python; the tests use the same tools "
        "from the template's dev group",
    ),
    (r"pip install -e \.$", "not run: shown as what fails (the SDK's pins); test_install"),
    (r"uv lock --upgrade$", "not run: its result depends on the day's releases"),
    (
        r"git init$|git init && git add \.$|python3 -m venv$|uv add …$|python -m \w+\.manage <",
        "not a command: part of one, or a form with a placeholder, in the text",
    ),
    (
        r"docker (build|run) ",
        "not run: no Docker engine on the test machines; test_deploy lints the Dockerfile "
        "(hadolint), and test_journeys runs its CMD from an empty folder",
    ),
]


# Inline code that is a command (not a path, a variable or a value).
INLINE_COMMAND = re.compile(
    r"(\.venv/bin/|python3? -m |uvx? |pipx? |pre-commit |cruft |cookiecutter |git |docker "
    r"|redis-server|TEST_DATABASE=|apt(-get)? )"
)


def how(command: str) -> str | None:
    return next((why for pattern, why in HOW if re.match(pattern, command)), None)


class Readme:
    def __init__(self, text: str):
        self.text = text

    def blocks(self) -> list[tuple[str, list[str]]]:
        """(the section heading, its commands) for each ```bash block, in order."""
        blocks, heading = [], ""
        lines = iter(self.text.splitlines())
        for line in lines:
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
            elif line.strip() == "```bash":
                body = []
                for inner in lines:
                    if inner.strip() == "```":
                        break
                    body.append(inner)
                blocks.append((heading, commands_of(body)))
        return blocks

    def commands(self) -> list[str]:
        """Every command: the code blocks' lines, then the commands quoted inline in the text."""
        in_blocks = [command for _, commands in self.blocks() for command in commands]
        return in_blocks + [c for c in self.inline_commands() if c not in in_blocks]

    def inline_commands(self) -> list[str]:
        prose = re.sub(r"```.*?```", "", self.text, flags=re.DOTALL)
        spans = re.findall(r"`([^`\n]+)`", prose)
        return list(dict.fromkeys(span for span in spans if INLINE_COMMAND.match(span)))

    def section(self, heading_start: str) -> list[list[str]]:
        return [
            commands for heading, commands in self.blocks() if heading.startswith(heading_start)
        ]

    def first_time_steps(self) -> list[str]:
        """The block after "First time, or on another machine" in the section on running it."""
        marker = "First time, or on another machine"
        after = self.text.split(marker, 1)[1]
        return Readme(after).blocks()[0][1]

    def dev_command(self, port: int | None = None, emulator_port: int | None = None) -> str:
        command = self.section("Run it locally")[0][0]
        if port is not None:
            command += f" --port {port}"
        if emulator_port is not None:
            command += f" --emulator-port {emulator_port}"
        return command

    def serve_command(self) -> str:
        return self.command_matching(r"\.venv/bin/python -m \w+\.serve$")

    def command_starting(self, start: str) -> str:
        return self.command_matching(re.escape(start) + r"|\.venv/bin/python -m \w+\." + start)

    def command_matching(self, pattern: str) -> str:
        found = [command for command in self.commands() if re.match(pattern, command)]
        assert found, f"the README shows no command matching {pattern!r}"
        return found[0]


def commands_of(lines: list[str]) -> list[str]:
    """Shell lines without comments, continuation lines joined."""
    commands, pending = [], ""
    for line in lines:
        if not pending and line.lstrip().startswith("#"):
            continue
        line = re.sub(r"\s+#\s.*$", "", line).rstrip()  # a trailing comment
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        command = (pending + line.strip()).strip()
        pending = ""
        if command:
            commands.append(command)
    return commands


def generate_command(root_readme) -> str:
    """The root README's first command: generate a project with the defaults."""
    return Readme(root_readme.read_text(encoding="utf-8")).blocks()[0][1][0]
