"""The guided stretch coach: one stretch per response, timed holds, progress kept between sessions."""

from __future__ import annotations

import functools
import math

from rules import Stretch

from .answers import join
from .locale import Texts
from .screen import stretch_screen
from .speech import Speech
from .state import Routine
from .turn import Reply, Turn

SECONDS_PER_SENTENCE = 4


def step_speech(t: Turn, stretch: Stretch, number: int, total: int) -> Speech:
    """Name, stop-if warning, getting into position, the moves with their holds, repetitions."""
    title = t.texts.line("stretch.step_title", number=number, total=total, name=stretch.name)
    return Speech(title).extend(_step_body(t.texts, stretch))


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


def stretches_of(t: Turn, routine: Routine) -> list[Stretch]:
    return [t.rules.stretches[i] for i in routine.ids if i in t.rules.stretches]


def start(t: Turn, ids: list[str], before: Speech | None = None) -> Reply:
    """Start a routine: a short intro and the safety rules, then the first stretch."""
    routine = Routine(ids)
    stretches = stretches_of(t, routine)
    speech = Speech().extend(before) if before else Speech()
    if len(stretches) == 1:
        speech.say(t.texts.line("stretch.intro_one", name=stretches[0].name))
    else:
        speech.say(t.texts.line("stretch.intro", count=len(stretches), minutes=minutes(stretches)))
    for advice in t.rules.advice_of("before_stretching"):
        speech.say(*advice.say)
    return step(t, routine, speech)


def step(t: Turn, routine: Routine, before: Speech | None = None) -> Reply:
    """Speak the current stretch of `routine` and remember the position."""
    stretch = t.rules.stretches.get(routine.current)
    if stretch is None:  # a plugin was removed since this routine was saved
        routine = Routine([i for i in routine.ids if i in t.rules.stretches])
        if not routine.ids:
            return finish(t, 0)
        stretch = t.rules.stretches[routine.current]
    t.conv.routine = routine
    t.conv.ask = None
    t.profile.progress = routine
    speech = Speech().extend(before) if before else Speech()
    speech.extend(step_speech(t, stretch, routine.index + 1, len(routine.ids)))
    speech.say(t.texts.line("stretch.next_prompt"))
    directives, card = stretch_screen(t, stretch, routine.index + 1, len(routine.ids))
    return t.ask(speech, t.texts.line("stretch.step_reprompt"), card=card, directives=directives,
                 outcome="stretch")


def advance(t: Turn, routine: Routine, by: int) -> Reply:
    """Next (+1) or previous (-1)."""
    if by < 0 and routine.index == 0:
        return step(t, routine, Speech(t.texts.line("stretch.first_already")))
    if by > 0:
        t.profile.count("stretches")
    routine = Routine(routine.ids, routine.index + by)
    if routine.finished:
        return finish(t, len(routine.ids))
    return step(t, routine)


def finish(t: Turn, count: int) -> Reply:
    """The end of a routine: a short summary and praise."""
    tx = t.texts
    t.conv.routine = None
    t.profile.progress = None
    done = t.profile.count("routines")
    speech = Speech(tx.line("stretch.done_one" if count == 1 else "stretch.done", count=count),
                    tx.line("stretch.praise"))
    if done > 1:
        speech.say(tx.line("stretch.praise_count", count=done))
    speech.say(tx.line("stretch.done_advice"))
    question = tx.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return t.ask(speech.say(question), question, outcome="routine done")


def names(stretches: list[Stretch]) -> str:
    return join([s.name for s in stretches])
