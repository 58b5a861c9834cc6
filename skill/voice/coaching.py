"""What the stretch coach says around the stretches: a routine's introduction and its end.

Pure functions of the locale's texts and the stretch records; the dialog (`skill.dialog.coach`)
keeps the position in the routine and decides which of these to say. Each turn of a stretch
(cued, counted, under the speech budget) is `skill.voice.pacing`; how long speech lasts,
which gives the routine's announced length, is `skill.voice.timing`.
"""

from __future__ import annotations

from rules import RuleSet, Stretch

from . import timing
from .ssml import Speech
from .texts import Texts, join


def length(tx: Texts, seconds: float) -> str:
    """ "7 minutes", "3 and a half minutes": to the half minute below ten minutes, else the minute."""
    if seconds >= 570:
        return tx.line("stretch.length_minutes", minutes=round(seconds / 60))
    halves = max(1, round(seconds / 30))
    if halves == 1:
        return tx.line("stretch.length_half_minute")
    whole, half = divmod(halves, 2)
    if half:
        return tx.line("stretch.length_and_a_half", minutes=whole)
    return tx.line("stretch.length_minutes" if whole > 1 else "stretch.length_one_minute", minutes=whole)


def routine_intro(tx: Texts, rules: RuleSet, stretches: list[Stretch], seconds: float) -> Speech:
    """A short introduction to a routine and the stretching safety rules. `seconds`: the audio of
    the routine's turns (`pacing.routine_seconds`); the stated length adds this introduction."""
    advice = tx.advice(rules, "before_stretching")
    if len(stretches) == 1:
        return Speech(tx.line("stretch.intro_one", name=stretches[0].name), *advice)
    seconds += timing.duration(Speech(*advice).ssml)
    draft = tx.line("stretch.intro", count=len(stretches), length=length(tx, seconds))
    seconds += timing.speaking_seconds(draft)
    return Speech(tx.line("stretch.intro", count=len(stretches), length=length(tx, seconds)), *advice)


def routine_done(tx: Texts, count: int, routines_done: int) -> Speech:
    """The end of a routine: a short summary and praise."""
    speech = Speech(tx.line("stretch.done_one" if count == 1 else "stretch.done", count=count),
                    tx.line("stretch.praise"))
    if routines_done > 1:
        speech.say(tx.line("stretch.praise_count", count=routines_done))
    return speech.say(tx.line("stretch.done_advice"))


def names(stretches: list[Stretch]) -> str:
    return join([s.name for s in stretches])
