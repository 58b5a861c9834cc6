"""Built-in plugin `timeline`: the activity ladder, the day-by-day stages and the pain caps.

Data: `plugins/data/timeline.toml` (the clinical reference's reconciled timeline, pain caps,
pain escalations and must-not-allow items by level, each with its source).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from rules import LEVELS, TIERS, ActivityLevel, Case, Finding, Stage, hookimpl
from rules.datafiles import DataError, entries, read_levels, read_toml

PACKAGE = "plugins.data"
FILE = "timeline.toml"


@dataclass(frozen=True)
class Step:
    """From `first_day` on, the timeline allows `level`."""

    level: str
    first_day: int
    source: str


@dataclass(frozen=True)
class PainCap:
    """Pain from `low` to `high` (inclusive) caps activity at `cap`."""

    low: int
    high: int
    cap: str
    source: str


@dataclass(frozen=True)
class Escalation:
    """Pain of at least `min_pain` (from `min_day` on, when given) sets off `tier`."""

    id: str
    min_pain: int
    min_day: int | None
    tier: str
    source: str


@dataclass(frozen=True)
class Timeline:
    default_pain: int
    default_pain_source: str
    levels: tuple[ActivityLevel, ...]
    steps: tuple[Step, ...]
    caps: tuple[PainCap, ...]
    escalations: tuple[Escalation, ...]

    def step(self, day: int) -> Step:
        return max((s for s in self.steps if s.first_day <= day), key=lambda s: s.first_day)

    def cap(self, pain: int) -> PainCap:
        return next(c for c in self.caps if c.low <= pain <= c.high)

    def max_pain(self, level: str) -> int:
        """The highest pain score whose cap still allows `level`."""
        allowing = [c.high for c in self.caps if LEVELS.index(c.cap) >= LEVELS.index(level)]
        return max(allowing, default=-1)


@functools.cache
def timeline() -> Timeline:
    """The timeline, read and validated once."""
    doc = read_toml(PACKAGE, FILE)
    steps = tuple(sorted(
        (Step(e.choice("level", LEVELS[1:]), e.number("first_day"), e.text("source"))
         for e in entries(doc, "stage", FILE, ("level", "first_day", "source", "note"))),
        key=lambda s: s.first_day))
    caps = tuple(sorted(
        (PainCap(e.number("min", high=10), e.number("max", high=10), e.choice("cap", LEVELS), e.text("source"))
         for e in entries(doc, "pain_cap", FILE, ("min", "max", "cap", "source", "note"))),
        key=lambda c: c.low))
    escalations = tuple(
        Escalation(e.text("id"), e.number("min_pain", high=10),
                   e.number("min_day") if "min_day" in e.raw else None,
                   e.choice("tier", TIERS), e.text("source"))
        for e in entries(doc, "pain_escalation", FILE, ("id", "min_pain", "min_day", "tier", "source", "note")))
    default = doc.get("default_pain")
    if not steps or steps[0].first_day != 0:
        raise DataError(f"{FILE}: the first [[stage]] must start on day 0")
    covered = [p for c in caps for p in range(c.low, c.high + 1)]
    if sorted(covered) != list(range(11)):
        raise DataError(f"{FILE}: [[pain_cap]] ranges must cover 0-10 exactly once")
    if isinstance(default, bool) or not isinstance(default, int) or not 0 <= default <= 10:
        raise DataError(f"{FILE}: default_pain must be a whole number from 0 to 10")
    return Timeline(default, str(doc.get("default_pain_source", "")), tuple(read_levels(doc, FILE)),
                    steps, caps, escalations)


@hookimpl
def backcoach_activity_levels() -> tuple[ActivityLevel, ...]:
    return timeline().levels


@hookimpl
def backcoach_timeline() -> list[Stage]:
    t = timeline()
    return [Stage(s.level, s.first_day, t.max_pain(s.level), s.source) for s in t.steps]


@hookimpl
def backcoach_exercise_timing(case: Case) -> Iterator[Finding]:
    t = timeline()
    day = case.days_since_onset
    step = t.step(day if day is not None else 0)
    yield Finding(rule=f"stage_{step.level}", source=step.source, max_activity=step.level,
                  reason=f"day {day}" if day is not None else "onset unknown, counted as day 0")
    pain = case.pain if case.pain is not None else t.default_pain
    cap = t.cap(pain)
    yield Finding(rule=f"pain_cap_{cap.low}_{cap.high}", source=cap.source, max_activity=cap.cap,
                  reason=f"pain {pain}" if case.pain is not None
                  else f"pain not rated, scored as {pain} ({t.default_pain_source})")
    for esc in t.escalations:
        if pain < esc.min_pain:
            continue
        if esc.min_day is not None and (day is None or day < esc.min_day):
            continue  # time-based escalations never fire when the day is unknown
        when = f" on day {day}" if esc.min_day is not None else ""
        yield Finding(rule=esc.id, source=esc.source, tier=esc.tier,
                      reason=f"pain {pain}{when}")
