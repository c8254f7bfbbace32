"""Who may log in: the one place that decides, called on every login after sgID has said who
the person is and before any session exists. Refused people see a friendly 403 page.

sgID logs in anyone with Singpass. To admit only some (public officers of one agency, an
allowlist of people), decide here from what sgID shared: `identity.sub` (stable for this app)
and `identity.data` (the scopes you asked for, as sgID sent them). The README's "Restrict who
may log in" shows an example, and the contract suite checks every emulator persona against it.
"""

from ..sgid.adapter import Identity


def may_log_in(identity: Identity) -> bool:
    """Everyone sgID logs in may use the app."""
    return True
