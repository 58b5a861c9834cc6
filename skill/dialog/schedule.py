"""A stretch reminder as the user asked for it: at what time, how often, from which day.

Read from SetReminderIntent's slots (voice contract: reminder_time, reminder_repeat,
reminder_day):

- ``reminderTime``, AMAZON.TIME: ``"19:00"``, ``"07:30"``, or a part of the day without a
  clock time: ``"MO"``, ``"AF"``, ``"EV"``, ``"NI"``. Typed text (the simulator) may also be
  ``"seven"``, ``"7"`` or ``"7 pm"``.
- ``reminderRepeat``, REMINDER_REPEAT: ids ``daily``, ``weekdays`` and ``once``, with a part of
  the day when the words carry one ("every evening": ``daily_evening``).
- ``reminderDay``, AMAZON.DATE: the day of a one-off ("tomorrow"), or the first day of a
  repeating one.

"every evening at seven" arrives as 07:00 and ``daily_evening``: the part of the day moves a
morning clock time into the afternoon or evening (19:00). A part of the day alone gets a usual
hour (evening: 19:00). A `Plan` travels as a short token (the AskFor directive's token comes
back in the Connections.Response, the session may not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .slots import number

PARTS = {"MO": "morning", "AF": "afternoon", "EV": "evening", "NI": "night"}
USUAL_HOUR = {"morning": 8, "afternoon": 14, "evening": 19, "night": 21}
REPEATS = ("daily", "weekdays", "once")
#: A one-off reminder can be set up to this many days ahead.
MAX_DAYS_AHEAD = 365
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TOKEN = re.compile(r"^rem1:(daily|weekdays|once):(\d{2}):(\d{2}):(\d{4}-\d{2}-\d{2})?$")
_WORDS = {"weekday": "weekdays", "monday to friday": "weekdays", "work day": "weekdays", "workday": "weekdays",
          "every": "daily", "each": "daily", "daily": "daily", "once": "once", "just": "once"}


@dataclass(frozen=True)
class Plan:
    """When to remind: hour and minute (local), "daily", "weekdays" or "once", and a day (a
    one-off's day, or the first day of a repeating one; None: the next time it comes)."""

    hour: int
    minute: int
    repeat: str
    day: date | None = None

    def token(self) -> str:
        """The plan as a short token ("rem1:daily:19:00:")."""
        return f"rem1:{self.repeat}:{self.hour:02d}:{self.minute:02d}:{self.day.isoformat() if self.day else ''}"

    @classmethod
    def from_token(cls, token: str | None) -> Plan | None:
        """The plan a token stands for; None for anything that is not one of ours."""
        match = _TOKEN.match(token or "")
        if match is None:
            return None
        repeat, hour, minute, day = match.groups()
        if int(hour) > 23 or int(minute) > 59:
            return None
        try:
            return cls(int(hour), int(minute), repeat, date.fromisoformat(day) if day else None)
        except ValueError:
            return None


@dataclass(frozen=True)
class Asked:
    """What the slots said: a `plan`, or what is `missing` ("time", "day": ask for it), with a
    `problem` when a value was said but is unusable ("day_past", "day_vague", "time")."""

    plan: Plan | None = None
    missing: str | None = None
    problem: str | None = None


def read(time: str | None, repeat: tuple[str, str | None] | None, day: str | None, today: date) -> Asked:
    """The plan in SetReminderIntent's slots: ``time`` and ``day`` as Alexa sent them, ``repeat``
    as (words, resolved id or None)."""
    often, part = _repeat(repeat)
    clock, time_part = _time(time)
    if time is not None and clock is None and time_part is None:
        return Asked(missing="time", problem="time")
    part = time_part or part
    first: date | None = None
    if day is not None:
        first, problem = _day(day, today)
        if problem is not None:
            return Asked(missing="day", problem=problem)
    if clock is None:
        if part is None:
            return Asked(missing="time")
        clock = (USUAL_HOUR[part], 0)
    hour, minute = clock
    if part == "night" and hour == 12:
        hour = 0  # "twelve at night"
    elif part in ("afternoon", "evening", "night") and hour < 12 and not (part == "night" and hour < 5):
        hour += 12  # "seven in the evening"; "two at night" stays 02:00
    return Asked(Plan(hour, minute, often or "once", first))


def _repeat(slot: tuple[str, str | None] | None) -> tuple[str | None, str | None]:
    """(how often, part of the day) from the repeat slot's id, else its words."""
    if slot is None:
        return None, None
    words, ident = slot
    if ident:
        often, _, part = ident.partition("_")
        return (often if often in REPEATS else None), (part if part in USUAL_HOUR else None)
    text = words.lower()
    often = next((kind for phrase, kind in _WORDS.items() if phrase in text), None)
    part = next((p for p in USUAL_HOUR if p in text), None)
    return often, part


def _time(raw: str | None) -> tuple[tuple[int, int] | None, str | None]:
    """((hour, minute) or None, part of the day or None) of an AMAZON.TIME value."""
    if raw is None:
        return None, None
    text = raw.strip().lower()
    if text.upper() in PARTS:
        return None, PARTS[text.upper()]
    if text in USUAL_HOUR:
        return None, text
    match = _CLOCK.match(text)
    if match is None:
        spoken = number(text)
        match = _CLOCK.match(str(spoken.value)) if spoken.ok else None
    if match is None:
        return None, None
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").replace(".", "")
    if hour > 23 or minute > 59 or (half and not 1 <= hour <= 12):
        return None, None
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return (hour, minute), None


def _day(raw: str, today: date) -> tuple[date | None, str | None]:
    """(the day, None) of an AMAZON.DATE value said about a day to come, or (None, problem)."""
    raw = raw.strip()
    if raw == "PRESENT_REF":
        return today, None
    match = _DAY.match(raw)
    if match is None:
        return None, "day_vague"
    try:
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None, "day_vague"
    if value < today - timedelta(days=1):
        return None, "day_past"  # a day's slack: "today" is read before the user's zone is known
    if (value - today).days > MAX_DAYS_AHEAD:
        return None, "day_vague"
    return value, None


def first_time(plan: Plan, now: datetime) -> datetime:
    """When the reminder first rings (naive, local), after `now` (aware, in the user's zone):
    the plan's day at its time, else today's time, else the next day it may ring on."""
    local = now.replace(tzinfo=None)
    day = plan.day or local.date()
    while True:
        at = datetime(day.year, day.month, day.day, plan.hour, plan.minute)
        if at > local and (plan.repeat != "weekdays" or at.weekday() < 5):
            return at
        day += timedelta(days=1)
