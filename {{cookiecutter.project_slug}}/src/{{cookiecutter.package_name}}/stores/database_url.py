"""DATABASE_URL, read the same way by every part of the app (SQLAlchemy, Django, psycopg)."""

import re
from pathlib import Path

DEFAULT = "sqlite:///instance/sessions.sqlite3"
POSTGRESQL_URL = re.compile(r"^postgres(ql)?(\+\w+)?://")


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (sqlite:///relative, sqlite:////absolute); None for an
    in-memory database or another database."""
    scheme, separator, rest = url.partition(":///")
    path = rest.partition("?")[0]
    if scheme.partition("+")[0] != "sqlite" or not separator or path in ("", ":memory:"):
        return None
    return path


def absolute(url: str) -> str:
    """A relative SQLite path means the working directory; config.py makes it absolute, once,
    so the schema lock, SQLAlchemy and Django open the same file wherever each resolves paths."""
    path = sqlite_path(url)
    if path is None:
        return url
    scheme, _, rest = url.partition(":///")
    _, question_mark, query = rest.partition("?")
    return f"{scheme}:///{Path(path).resolve()}{question_mark}{query}"


def make_sqlite_folder(url: str) -> None:
    """The first start in a fresh folder (a clone, a container) has no instance/ yet."""
    path = sqlite_path(url)
    if path is not None:  # sessions hold personal data: the folder is the owner's only
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def libpq(url: str) -> str:
    """The URL as libpq (psycopg) reads it: without SQLAlchemy's "+driver" part."""
    return POSTGRESQL_URL.sub("postgresql://", url)
