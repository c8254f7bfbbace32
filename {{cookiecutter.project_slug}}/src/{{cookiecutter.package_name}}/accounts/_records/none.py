"""The app's own record of each person: the one place that maps an sgID identity to it, called
on every login.

With the Redis or the cookie session store this app has no database, so it keeps no record:
everything it knows about a person is in their session, and ends with it. To keep records
(first and last login, your own fields), add a database: a SQLAlchemy engine on a DATABASE_URL,
a `users` table keyed by `identity.sub`, and the insert-or-update here. A project generated
with the database store shows exactly that in its accounts/records.py.
"""

from ..sgid.adapter import Identity


class UserRecords:
    def record_login(self, identity: Identity) -> None:
        """Called on every login; keeps nothing (see above)."""
