"""Progress spoken back: "how am I doing?", and the welcome of a returning user.

From what the profile keeps: counts per day of activity (days in the user's zone, see
`Profile.count`), the total of routines, and the routine in progress. Never a health fact,
whatever the deployment keeps. "The past week" is today and the six days before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..voice.progress import week_screen, week_speech
from ..voice.ssml import Speech
from .state import Profile
from .turn import Reply, Turn, ask

WEEK = 7


@dataclass(frozen=True)
class Summary:
    """routines / stretches: in the past week; streak: days in a row up to today (or up to
    yesterday, while today is still to come); week: the past week's days, oldest first, with
    whether the user stretched; total: routines ever."""

    routines: int
    stretches: int
    streak: int
    total: int
    week: tuple[tuple[date, bool], ...]

    @property
    def any(self) -> bool:
        return bool(self.total or self.routines or self.stretches or self.streak)


def summary(profile: Profile, today: date) -> Summary:
    """The summary of what `profile` keeps, as of `today` (the user's day)."""
    days = profile.days()
    active = {day for day, counts in days.items() if any(counts.values())}
    week = tuple((today - timedelta(days=n), (today - timedelta(days=n)).isoformat() in active)
                 for n in range(WEEK - 1, -1, -1))
    recent = [days.get(day.isoformat(), {}) for day, _ in week]
    day = today if today.isoformat() in active else today - timedelta(days=1)
    streak = 0
    while day.isoformat() in active:
        streak += 1
        day -= timedelta(days=1)
    total = (profile.attrs.get("stats") or {}).get("routines", 0)
    return Summary(sum(c.get("routines", 0) for c in recent), sum(c.get("stretches", 0) for c in recent),
                   streak, total if isinstance(total, int) else 0, week)


def welcome_back(t: Turn) -> tuple[Speech, list]:
    """What a returning user hears at launch about their progress, and the week on a screen
    (nothing before the first stretch)."""
    s = summary(t.profile, t.today())
    if not s.any:
        return Speech(), []
    directives = week_screen(t.texts, s.week, s.routines, s.streak, t.query.supports_apl)[0]
    return week_speech(t.texts, s.routines, s.stretches, s.streak), directives


def how_am_i_doing(t: Turn) -> Reply:
    """ProgressIntent: the past week, days in a row, all routines; then where they stopped, or
    an offer of today's stretches. The week on the screen."""
    tx = t.texts
    s = summary(t.profile, t.today())
    if s.any:
        speech = week_speech(tx, s.routines, s.stretches, s.streak)
        if s.total > s.routines:
            speech.say(tx.line("progress.total_one") if s.total == 1 else tx.line("progress.total", count=s.total))
    else:
        speech = Speech(tx.line("progress.none"))
    directives, card = week_screen(tx, s.week, s.routines, s.streak, t.query.supports_apl)
    routine = t.conv.routine or t.profile.progress
    stretch = t.rules.stretches.get(routine.current) if routine else None
    if stretch is not None:
        question = tx.line("progress.pick_up", number=routine.index + 1, name=stretch.name)
        t.conv.ask = "pick_up"
    else:
        question = tx.line("progress.start_question")
        t.conv.ask = "offer_stretch"
    return ask(speech.say(question), question, card=card, directives=directives, outcome="progress")
