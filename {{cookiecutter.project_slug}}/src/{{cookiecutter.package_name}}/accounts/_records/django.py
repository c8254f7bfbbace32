"""Placeholder until the Django layer lands: the Django helper replaces this file."""

from ..sgid.adapter import Identity


def record_login(identity: Identity) -> None:
    """Called on every login."""
