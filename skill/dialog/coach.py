"""The guided routine as state: where the user is, what comes next, progress kept between sessions.

`start`, `step`, `advance`, `finish` and `adjust` change the conversation (the routine in
progress: the stretch and the turn of it) and the profile (the saved position, the counts); what
is said comes from `skill.voice.pacing` (each turn of a stretch) and `skill.voice.coaching` (the
introduction, the end), what is shown from `skill.voice.screens`.
"""

from __future__ import annotations

from rules import Assessment, Stretch

from ..voice import answers, coaching, pacing
from ..voice.screens import stretch_screen
from ..voice.ssml import Speech
from .state import Routine
from .turn import Reply, Turn, anything_else, ask


def stretches_of(t: Turn, routine: Routine) -> list[Stretch]:
    return [t.rules.stretches[i] for i in routine.ids if i in t.rules.stretches]


def start(t: Turn, ids: list[str], before: Speech | None = None) -> Reply:
    """Start a routine: a short intro and the safety rules, then the first stretch."""
    routine = Routine(ids)
    speech = Speech().extend(before) if before else Speech()
    stretches = stretches_of(t, routine)
    seconds = pacing.routine_seconds(t.texts, stretches)
    speech.extend(coaching.routine_intro(t.texts, t.rules, stretches, seconds))
    return step(t, routine, speech)


def step(t: Turn, routine: Routine, before: Speech | None = None, full: bool = False) -> Reply:
    """Speak the current turn of the current stretch of `routine` and remember the position.
    `full`: the user said "repeat", so the turn's first repetition gets the full instruction."""
    stretch = t.rules.stretches.get(routine.current)
    if stretch is None:  # a plugin was removed since this routine was saved
        routine = Routine([i for i in routine.ids if i in t.rules.stretches])
        if not routine.ids:
            return finish(t, 0)
        stretch = t.rules.stretches[routine.current]
    tx = t.texts
    routine.part = min(routine.part, pacing.parts(tx, stretch) - 1)
    t.conv.routine = routine
    t.profile.keep_progress(routine, t.today())
    number, total = routine.index + 1, len(routine.ids)
    speech = Speech().extend(before) if before else Speech()
    speech.extend(pacing.part_speech(tx, stretch, number, total, routine.part, full))
    last = pacing.is_last_part(tx, stretch, routine.part)
    directives, card = stretch_screen(tx, stretch, number, total, t.query.supports_apl, speech)
    return ask(speech, tx.line("stretch.step_reprompt" if last else "stretch.part_reprompt"),
               card=card, directives=directives, outcome="stretch")


def advance(t: Turn, routine: Routine, by: int) -> Reply:
    """Next (+1) or previous (-1): the next turn of this stretch, or the next stretch; back one
    turn, or to the start of the stretch before."""
    stretch = t.rules.stretches.get(routine.current)
    if by > 0 and stretch is not None and not pacing.is_last_part(t.texts, stretch, routine.part):
        return step(t, Routine(routine.ids, routine.index, routine.part + 1))
    if by < 0 and routine.part > 0:
        return step(t, Routine(routine.ids, routine.index, routine.part - 1))
    if by < 0 and routine.index == 0:
        return step(t, Routine(routine.ids), Speech(t.texts.line("stretch.first_already")))
    if by > 0:
        t.profile.count("stretches", on=t.today())
    routine = Routine(routine.ids, routine.index + by)
    if routine.finished:
        return finish(t, len(routine.ids))
    return step(t, routine)


def where(t: Turn, routine: Routine) -> Speech | None:
    """ "You're on stretch 2 of 6, pelvic tilt." before a turn that is not the stretch's first."""
    stretch = t.rules.stretches.get(routine.current)
    if not routine.part or stretch is None:
        return None
    return Speech(t.texts.line("stretch.in_progress", number=routine.index + 1, total=len(routine.ids),
                               name=stretch.name))


def finish(t: Turn, count: int) -> Reply:
    """The end of a routine: a short summary and praise, then "anything else?"."""
    t.conv.routine = None
    t.profile.progress = None
    done = t.profile.count("routines", on=t.today())
    return anything_else(t, coaching.routine_done(t.texts, count, done), outcome="routine done")


def adjust(t: Turn, routine: Routine, assessment: Assessment, ack: Speech) -> Reply:
    """A new symptom mid-routine: drop the stretches it rules out, then carry on."""
    allowed = {s.id for s in t.rules.candidates(assessment.case, assessment)}
    done, rest = routine.ids[:routine.index], routine.ids[routine.index:]
    kept = [i for i in rest if i in allowed]
    if kept != rest:
        ack.say(t.texts.line("stretch.changed"))
    ack.extend(answers.tier_advice(t.texts, t.rules, assessment))
    if not kept:  # nothing left that is right for the user now: stop, without praise
        t.conv.routine = None
        t.profile.progress = None
        return anything_else(t, ack, outcome="routine stopped")
    return step(t, Routine(done + kept, len(done)), ack)
