"""The chosen session store: the encrypted cookie itself (cookie.py), with no server side."""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

VARIABLE = None  # no store to point at


def read_url(env, check_url: Callable) -> str:
    return ""


def store_problem(url: str) -> str | None:
    return None  # nothing to reach


def setup_lock(url: str) -> AbstractContextManager:
    return nullcontext()
