"""The signed-in person, as views get it (Flask's g.user, FastAPI's CurrentUser)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    sub: str  # sgID's id for this person, stable for this app
    data: dict[str, str]  # what they agreed to share: scope -> value as sgID sent it
    since: float  # when they logged in (Unix time)

    @classmethod
    def from_session(cls, entry: dict) -> "User":
        """From what login.current_user() returns."""
        return cls(sub=entry["sub"], data=dict(entry.get("data") or {}), since=entry["since"])

    @property
    def name(self) -> str | None:
        """Their name, when the app asked for myinfo.name."""
        return self.data.get("myinfo.name")
