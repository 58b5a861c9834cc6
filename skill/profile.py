"""The per-user record that outlives a session (ask-sdk's persistent attributes).

Kept by default: whether the disclaimer was heard, the stretch routine in progress, counts of
completed routines and stretches, and preferences. Health facts (onset date, pain scores) are
kept only when the deployment sets ``BACKCOACH_REMEMBER_HEALTH=1`` (HIPAA-eligible deployments).
The user is keyed by a keyed hash of Alexa's userId (`skill.store`), never the raw id.
"""

from __future__ import annotations

from datetime import date

from .state import Routine

PAIN_HISTORY = 30


class Profile:
    """A typed view over the persistent attributes dict (mutated in place).

    available: False when the database could not be reached; nothing is saved then, so nothing
    already saved is lost.
    """

    def __init__(self, attributes: dict, available: bool = True) -> None:
        self.attrs = attributes
        self.available = available

    @property
    def disclaimer_heard(self) -> bool:
        return self.attrs.get("disclaimer") is True

    def hear_disclaimer(self) -> None:
        self.attrs["disclaimer"] = True

    @property
    def progress(self) -> Routine | None:
        """The routine in progress when the user paused or stopped."""
        return Routine.from_dict(self.attrs.get("progress"))

    @progress.setter
    def progress(self, routine: Routine | None) -> None:
        if routine is None or routine.finished:
            self.attrs.pop("progress", None)
        else:
            self.attrs["progress"] = routine.as_dict()

    def count(self, name: str, by: int = 1) -> int:
        """Add to a counter in `stats` ("routines", "stretches") and return it."""
        stats = self.attrs.get("stats")
        stats = stats if isinstance(stats, dict) else {}
        value = stats.get(name)
        value = (value if isinstance(value, int) and not isinstance(value, bool) else 0) + by
        stats[name] = value
        self.attrs["stats"] = stats
        return value

    # ---------------------------------------------------------------- health (opt-in deployments)
    @property
    def onset(self) -> date | None:
        raw = (self.attrs.get("health") or {}).get("onset")
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            return None

    def pain_on(self, day: date) -> int | None:
        """The pain score recorded on `day`, if any."""
        for recorded, pain in reversed((self.attrs.get("health") or {}).get("pain") or []):
            if recorded == day.isoformat() and isinstance(pain, int):
                return pain
        return None

    def remember(self, onset: date | None, pain: int | None, today: date) -> None:
        health = self.attrs.get("health")
        health = health if isinstance(health, dict) else {}
        if onset is not None:
            health["onset"] = onset.isoformat()
        if pain is not None:
            history = [entry for entry in health.get("pain") or [] if entry and entry[0] != today.isoformat()]
            health["pain"] = [*history, [today.isoformat(), pain]][-PAIN_HISTORY:]
        self.attrs["health"] = health
