"""What Alexa says about reminders: when one rings ("every day at 7 PM"), and the list of them.

Pure functions over plain values: a schedule is (repeat, "HH:MM", day or None), repeat being
"daily", "weekdays", "weekly" or "once". Clock times and dates follow the locale's texts
(``[reminder]`` and ``[calendar]`` in skill/voice/locales): "7 PM" and "December 3" in en-US,
"7 pm" and "3 December" in en-GB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .ssml import Speech
from .texts import Texts, join

Schedule = tuple[str | None, str | None, date | None]
#: Days ahead for which a one-off is named by its weekday ("on Friday").
WEEKDAY_NAMES_WITHIN = 6


def clock(tx: Texts, hour: int, minute: int) -> str:
    """ "7 PM", "7:30 PM", "noon", "midnight" (the locale's way)."""
    if minute == 0 and hour in (0, 12):
        return tx.line("reminder.midnight" if hour == 0 else "reminder.noon")
    period = tx.line("reminder.am" if hour < 12 else "reminder.pm")
    shown = hour % 12 or 12
    if minute == 0:
        return tx.line("reminder.clock", hour=shown, period=period)
    return tx.line("reminder.clock_minutes", hour=shown, minutes=f"{minute:02d}", period=period)


def day_name(tx: Texts, day: date, today: date) -> str:
    """ "Friday" within the week ahead, else the date ("December 3")."""
    if 0 < (day - today).days <= WEEKDAY_NAMES_WITHIN:
        return tx.lines("calendar.weekdays")[day.weekday()]
    return tx.line("reminder.date", month=tx.lines("calendar.months")[day.month - 1], day=day.day)


def when(tx: Texts, repeat: str | None, at: str | None, day: date | None, today: date) -> str | None:
    """When a reminder rings, as said after "I'll remind you" ("every day at 7 PM", "tomorrow
    at 8 AM"); None when the schedule is not known."""
    if repeat is None or at is None:
        return None
    hour, _, minute = at.partition(":")
    time = clock(tx, int(hour), int(minute or 0))
    if repeat == "daily":
        return tx.line("reminder.every_day", time=time)
    if repeat in ("weekdays", "weekly"):
        return tx.line(f"reminder.{repeat}", time=time)
    if day is None:
        return None
    if day == today:
        return tx.line("reminder.today", time=time)
    if (day - today).days == 1:
        return tx.line("reminder.tomorrow", time=time)
    return tx.line("reminder.on_day", day=day_name(tx, day, today), time=time)


def listing(tx: Texts, schedules: Sequence[Schedule], today: date) -> Speech:
    """The user's reminders: none, one with when it rings, or how many and when each rings (the
    count alone when any schedule could not be read)."""
    count = len(schedules)
    if count == 0:
        return Speech(tx.line("reminder.none"))
    whens = [when(tx, repeat, at, day, today) for repeat, at, day in schedules]
    if any(w is None for w in whens):
        return Speech(tx.line("reminder.count_only_one") if count == 1 else tx.line("reminder.count_only", count=count))
    if count == 1:
        return Speech(tx.line("reminder.one", whens=whens[0]))
    return Speech(tx.line("reminder.many", count=count, whens=join([w for w in whens if w])))
