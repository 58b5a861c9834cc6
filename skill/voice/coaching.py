"""What the stretch coach says: a routine's introduction, each stretch step, the end of a routine.

Pure functions of the locale's texts and the stretch records; the dialog (`skill.dialog.coach`)
keeps the position in the routine and decides which of these to say.
"""

from __future__ import annotations

import functools
import math

from rules import RuleSet, Stretch

from .ssml import Speech
from .texts import Texts, join

SECONDS_PER_SENTENCE = 4


def step_speech(tx: Texts, stretch: Stretch, number: int, total: int) -> Speech:
    """Name, stop-if warning, getting into position, the moves with their holds, repetitions."""
    title = tx.line("stretch.step_title", number=number, total=total, name=stretch.name)
    return Speech(title).extend(_step_body(tx, stretch))


@functools.lru_cache(maxsize=512)
def _step_body(tx: Texts, stretch: Stretch) -> Speech:
    """Everything after the title: the same every time, so built once per locale and stretch."""
    speech = Speech(stretch.stop_if, *stretch.setup)
    hold_cues = {key: tx.template(f"stretch.{key}") for key in ("hold_short", "hold", "left", "release")}
    for rep in range(1, stretch.repetitions + 1):
        if stretch.repetitions > 1 and rep > 1:
            speech.say(tx.line("stretch.rep", number=rep))
        for move in stretch.moves:
            speech.say(move.say).hold(move.hold, hold_cues)
    if stretch.finish:
        speech.say(stretch.finish)
    return speech


def minutes(stretches: list[Stretch]) -> int:
    """A rough length of a routine: holds plus time to speak and move."""
    seconds = sum(s.hold_seconds + SECONDS_PER_SENTENCE * (3 + len(s.setup) + s.repetitions * len(s.moves))
                  for s in stretches)
    return max(1, math.ceil(seconds / 60))


def routine_intro(tx: Texts, rules: RuleSet, stretches: list[Stretch]) -> Speech:
    """A short introduction to a routine and the stretching safety rules."""
    if len(stretches) == 1:
        speech = Speech(tx.line("stretch.intro_one", name=stretches[0].name))
    else:
        speech = Speech(tx.line("stretch.intro", count=len(stretches), minutes=minutes(stretches)))
    return speech.say(*tx.advice(rules, "before_stretching"))


def routine_done(tx: Texts, count: int, routines_done: int) -> Speech:
    """The end of a routine: a short summary and praise."""
    speech = Speech(tx.line("stretch.done_one" if count == 1 else "stretch.done", count=count),
                    tx.line("stretch.praise"))
    if routines_done > 1:
        speech.say(tx.line("stretch.praise_count", count=routines_done))
    return speech.say(tx.line("stretch.done_advice"))


def names(stretches: list[Stretch]) -> str:
    return join([s.name for s in stretches])
