"""The app's own record of each person, in the session store's database: the one place that
maps an sgID identity to it, called on every login.

It keeps when each person first and last logged in. Add what your app needs as columns (the
README's "Keep your own user records" shows how); keep only what you need, and never more of
sgID's data than the person agreed to share.
"""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, String, Table, bindparam, select
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError

from ..sgid.adapter import Identity
from ..stores.limits import STORE_GUARD
from ..stores.sql import NEW, Upsert, metadata

# Created with the sessions table, in the same create_all (stores/sql.py's metadata): one setup
# step, run by serve.py before any worker starts.
users = Table(
    "users",
    metadata,
    Column("sub", String(255), primary_key=True),
    Column("first_login", DateTime(timezone=True), nullable=False),
    Column("last_login", DateTime(timezone=True), nullable=False),
)
FIND = select(users).where(users.c.sub == bindparam("sub"))


class UserRecords:
    def __init__(self, engine: Engine):
        self.engine = engine
        # On each login: a new person's row, or this login's time on theirs (first_login kept).
        self._note_login = Upsert(engine, users, key="sub", on_conflict={"last_login": NEW})

    def record_login(self, identity: Identity) -> None:
        """Called on every login: create the person's record, or note this login on it."""
        now = datetime.now(UTC)
        row = {"sub": identity.sub, "first_login": now, "last_login": now}
        try:
            with STORE_GUARD.slot(), self.engine.begin() as connection:
                self._note_login(connection, row)
        except IntegrityError:  # no upsert here, and their first login finished twice at once
            self.record_login(identity)

    def find(self, sub: str) -> Row | None:
        with STORE_GUARD.slot(), self.engine.connect() as connection:
            return connection.execute(FIND, {"sub": sub}).first()
