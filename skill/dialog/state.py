"""The dialog's state: the conversation (session attributes) and the profile (persistent attributes).

`Conversation` is what this conversation knows and is doing, kept in Alexa's session
attributes. Health facts (onset, pain, symptoms, age) live there, in the session only, and are
gone when the session ends (Alexa's policy for skills that are not HIPAA-eligible). Session
attributes round-trip through Alexa on every turn, so they stay small and JSON-only.

`Profile` is the per-user record that outlives sessions (ask-sdk's persistent attributes, in
`skill.backends.store`): whether the disclaimer was heard, the stretch routine in progress,
counts of completed routines and stretches (also per day, the last 60 days), the alert tokens
of the user's reminders. Health facts (onset date, pain scores) are kept
there only when the deployment sets ``BACKCOACH_REMEMBER_HEALTH=1`` (HIPAA-eligible
deployments). Both are typed views over plain dicts, mutated in place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

#: Pending questions (what was just asked): the keys of `skill.dialog.dispatch.PENDING`.
ASKS = frozenset({
    "onset", "pain", "screen", "which_symptom", "offer_stretch", "start_routine", "resume",
    "forget", "anything_else", "clarify", "hurt_screen", "checkin",
    "reminder_retry", "pick_up",
})
PAIN_HISTORY = 30
#: Days of activity kept (the longest streak the skill can count), and alert tokens kept.
ACTIVE_DAYS = 60
MAX_ALERTS = 10
#: Answers not understood in a row before the session stops for now.
MAX_MISSES = 3
#: What the user asked for while facts were still missing.
GOALS = frozenset({"exercise", "stretch", "doctor", "list"})


@dataclass
class Routine:
    """A guided routine in progress: stretch ids, the index of the current one, and the turn
    (`part`) of that stretch the user is on (a long stretch takes several, see skill.voice.pacing)."""

    ids: list[str]
    index: int = 0
    part: int = 0

    @property
    def current(self) -> str:
        return self.ids[self.index]

    @property
    def finished(self) -> bool:
        return self.index >= len(self.ids)

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"ids": list(self.ids), "i": self.index}
        if self.part:
            found["p"] = self.part
        return found

    @classmethod
    def from_dict(cls, raw: object) -> Routine | None:
        if not isinstance(raw, dict):
            return None
        ids, index = raw.get("ids"), raw.get("i", 0)
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return None
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(ids):
            return None
        part = raw.get("p", 0)
        if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part < 100:
            part = 0
        return cls(ids, index, part)


class Conversation:
    """A typed view over the session attributes dict (mutated in place)."""

    def __init__(self, attributes: dict | None) -> None:
        self.attrs = attributes if attributes is not None else {}
        case = self.attrs.get("case")
        self._case = case if isinstance(case, dict) else {}

    # ------------------------------------------------------------ facts
    @property
    def onset(self) -> date | None:
        raw = self._case.get("onset")
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            return None

    @onset.setter
    def onset(self, value: date | None) -> None:
        self._set("onset", value.isoformat() if value else None)

    @property
    def pain(self) -> int | None:
        return _small_int(self._case.get("pain"), 0, 10)

    @pain.setter
    def pain(self, value: int | None) -> None:
        self._set("pain", value)

    @property
    def age(self) -> int | None:
        return _small_int(self._case.get("age"), 0, 130)

    @age.setter
    def age(self, value: int | None) -> None:
        self._set("age", value)

    @property
    def symptoms(self) -> frozenset[str]:
        raw = self._case.get("symptoms")
        return frozenset(s for s in raw if isinstance(s, str)) if isinstance(raw, list) else frozenset()

    def add_symptom(self, symptom: str) -> None:
        self._set("symptoms", sorted(self.symptoms | {symptom}))

    @property
    def screened(self) -> bool:
        return self._case.get("screened") is True

    @screened.setter
    def screened(self, value: bool) -> None:
        self._set("screened", True if value else None)

    @property
    def activity(self) -> str | None:
        raw = self._case.get("activity")
        return raw if isinstance(raw, str) else None

    @activity.setter
    def activity(self, value: str | None) -> None:
        self._set("activity", value)

    def _set(self, key: str, value: object) -> None:
        if value is None:
            self._case.pop(key, None)
        else:
            self._case[key] = value
        if self._case:
            self.attrs["case"] = self._case
        else:
            self.attrs.pop("case", None)

    # ------------------------------------------------------------ dialog
    def _text(self, key: str, allowed: frozenset[str]) -> str | None:
        value = self.attrs.get(key)
        return value if value in allowed else None

    @property
    def ask(self) -> str | None:
        return self._text("ask", ASKS)

    @ask.setter
    def ask(self, value: str | None) -> None:
        self._put("ask", value)

    @property
    def goal(self) -> str | None:
        return self._text("goal", GOALS)

    @goal.setter
    def goal(self, value: str | None) -> None:
        self._put("goal", value)

    @property
    def target(self) -> str | None:
        """The stretch the user asked for by name, while facts are collected."""
        value = self.attrs.get("target")
        return value if isinstance(value, str) else None

    @target.setter
    def target(self, value: str | None) -> None:
        self._put("target", value)

    @property
    def routine(self) -> Routine | None:
        return Routine.from_dict(self.attrs.get("routine"))

    @routine.setter
    def routine(self, value: Routine | None) -> None:
        self._put("routine", value.as_dict() if value and not value.finished else None)

    @property
    def timezone(self) -> str | None:
        value = self.attrs.get("tz")
        return value if isinstance(value, str) else None

    @timezone.setter
    def timezone(self, value: str) -> None:
        self._put("tz", value)

    @property
    def clarifying(self) -> str | None:
        """The vague complaint a clarifying question is pending for ("legs_unclear")."""
        value = self.attrs.get("clarify")
        return value if isinstance(value, str) else None

    @clarifying.setter
    def clarifying(self, value: str | None) -> None:
        self._put("clarify", value)

    @property
    def unsaved_place(self) -> dict | None:
        """The routine's place that the database could not store: saved again on the next turn."""
        value = self.attrs.get("unsaved")
        return value if isinstance(value, dict) else None

    @unsaved_place.setter
    def unsaved_place(self, value: dict | None) -> None:
        self._put("unsaved", value)

    @property
    def reminder(self) -> str | None:
        """The reminder asked for and not yet set (a `skill.dialog.schedule.Plan` token), for a retry."""
        value = self.attrs.get("remind")
        return value if isinstance(value, str) else None

    @reminder.setter
    def reminder(self, value: str | None) -> None:
        self._put("remind", value)

    @property
    def misses(self) -> int:
        return _small_int(self.attrs.get("misses"), 0, 100) or 0

    @misses.setter
    def misses(self, value: int) -> None:
        self._put("misses", value or None)

    def flag(self, name: str) -> bool:
        """A once-per-conversation flag (e.g. the safety net was said)."""
        return name in (self.attrs.get("said") or [])

    def set_flag(self, name: str) -> None:
        said = self.attrs.get("said")
        said = said if isinstance(said, list) else []
        if name not in said:
            self.attrs["said"] = [*said, name]

    @property
    def last(self) -> dict | None:
        value = self.attrs.get("last")
        return value if isinstance(value, dict) and isinstance(value.get("ssml"), str) else None

    @last.setter
    def last(self, value: dict | None) -> None:
        self._put("last", value)

    def _put(self, key: str, value: object) -> None:
        if value is None:
            self.attrs.pop(key, None)
        else:
            self.attrs[key] = value


class Profile:
    """A typed view over the persistent attributes dict (mutated in place).

    available: False when the database could not be reached; nothing is saved then, so nothing
    already saved is lost.
    """

    def __init__(self, attributes: dict, available: bool = True) -> None:
        self.attrs = attributes
        self.available = available
        self._loaded_place = self.place()
        self._place_set = False

    def place(self) -> dict:
        """The saved routine and its day, as stored (for keeping it in the session when a save fails)."""
        return {key: self.attrs.get(key) for key in ("progress", "progress_on")}

    @property
    def place_changed(self) -> bool:
        """The saved place differs from what was loaded (so this turn must save it). When the
        profile could not be loaded, any place this turn set counts: what is stored is unknown
        (a routine finished during an outage must not be offered again afterwards)."""
        return self.place() != self._loaded_place or (self._place_set and not self.available)

    def restore_place(self, place: dict) -> None:
        """Put back a place a failed save left in the session."""
        for key in ("progress", "progress_on"):
            if place.get(key) is None:
                self.attrs.pop(key, None)
            else:
                self.attrs[key] = place[key]

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
        self._place_set = True
        if routine is None or routine.finished:
            self.attrs.pop("progress", None)
            self.attrs.pop("progress_on", None)
        else:
            self.attrs["progress"] = routine.as_dict()

    def keep_progress(self, routine: Routine, today: date) -> None:
        """Save the routine's place, and the day it was saved (for "anything new since last time?")."""
        self.progress = routine
        if "progress" in self.attrs:
            self.attrs["progress_on"] = today.isoformat()

    def progress_saved_before(self, today: date) -> bool:
        """The saved routine is from an earlier day (a routine saved before days were kept counts)."""
        day = self.attrs.get("progress_on")
        return "progress" in self.attrs and not (isinstance(day, str) and day >= today.isoformat())

    def zone(self, device_id: str | None) -> tuple[str, date] | None:
        """The time zone kept for this device, and the day it was fetched (None: none kept)."""
        kept = self.attrs.get("zone")
        if not (isinstance(kept, dict) and kept.get("device") == _device_key(device_id)):
            return None
        try:
            return str(kept["name"]), date.fromisoformat(kept["on"])
        except (KeyError, TypeError, ValueError):
            return None

    def keep_zone(self, device_id: str | None, name: str, day: date) -> None:
        """Keep the device's zone (the device as a short hash: a zone is not worth a device id)."""
        self.attrs["zone"] = {"name": name, "device": _device_key(device_id), "on": day.isoformat()}

    def count(self, name: str, by: int = 1, on: date | None = None) -> int:
        """Add to a counter in `stats` ("routines", "stretches") and return it; with `on` (the
        user's day), to that day's counts too."""
        stats = self.attrs.get("stats")
        stats = stats if isinstance(stats, dict) else {}
        value = stats.get(name)
        value = (value if isinstance(value, int) and not isinstance(value, bool) else 0) + by
        stats[name] = value
        self.attrs["stats"] = stats
        if on is not None:
            days = self.days()
            counts = days.setdefault(on.isoformat(), {})
            counts[name] = counts.get(name, 0) + by
            self.attrs["days"] = dict(sorted(days.items())[-ACTIVE_DAYS:])
        return value

    def days(self) -> dict[str, dict[str, int]]:
        """Days of activity ("YYYY-MM-DD" in the user's zone) -> counts of that day, oldest first."""
        raw = self.attrs.get("days")
        if not isinstance(raw, dict):
            return {}
        return {day: {k: n for k, n in counts.items() if isinstance(n, int) and not isinstance(n, bool)}
                for day, counts in raw.items() if isinstance(day, str) and isinstance(counts, dict)}

    @property
    def alerts(self) -> list[str]:
        """The alert tokens of the reminders this skill set for the user (nothing else of them)."""
        raw = self.attrs.get("alerts")
        return [a for a in raw if isinstance(a, str)] if isinstance(raw, list) else []

    @alerts.setter
    def alerts(self, tokens: list[str]) -> None:
        kept = list(dict.fromkeys(tokens))[-MAX_ALERTS:]
        if kept:
            self.attrs["alerts"] = kept
        else:
            self.attrs.pop("alerts", None)

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


def _device_key(device_id: str | None) -> str:
    return hashlib.sha256((device_id or "").encode()).hexdigest()[:16]


def _small_int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value
