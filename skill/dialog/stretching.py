"""Handlers of the guided routine: start, list, next, previous, repeat, pause, resume, start over.

A known red flag is answered before any of these runs (`skill.dialog.dispatch` marks them
as activity routes); the routine itself is kept by `skill.dialog.coach`.
"""

from __future__ import annotations

from ..voice.answers import is_care
from ..voice.ssml import Speech
from ..voice.texts import join
from . import coach
from .catalogue import stretch_id
from .facts import ask_again, ask_fact, proceed
from .safety import care_reply, check_in
from .session import fallback, help_, home, okay, stop
from .state import Routine
from .turn import Reply, Turn, ask, tell


def start_stretch(t: Turn) -> Reply:
    slot = t.query.slot("stretch")
    if slot is not None:
        ident = stretch_id(t, slot.id, slot.value)
        if ident is None:
            tx = t.texts
            question = tx.line("stretch.unknown_question")
            t.conv.ask = "offer_stretch"
            return ask(Speech(tx.line("stretch.unknown", name=slot.value), question), question,
                       outcome="unknown stretch")
        t.conv.target = ident
    elif t.conv.routine is not None:
        return coach.step(t, t.conv.routine)
    elif t.profile.progress is not None and t.asked != "resume":
        return resume(t)
    t.conv.goal = "stretch"
    return proceed(t)


def accept_offer(t: Turn) -> Reply:
    """ "Yes" to "shall I guide you through today's stretches (or some relaxed breathing)?"."""
    t.conv.goal = "stretch"
    return proceed(t, breathing_offered=t.asked == "start_routine")


def list_stretches(t: Turn) -> Reply:
    t.conv.goal = "list"
    if t.conv.onset is None:
        tx = t.texts
        return ask_fact(t, "onset", Speech(tx.line("stretch.list_catalogue", count=len(t.rules.stretches))))
    return proceed(t)


def yes_without_question(t: Turn) -> Reply:
    """ "Yes" with nothing pending: "okay" after "say next when you're ready" means next."""
    if t.conv.routine is not None:
        return next_(t)
    return fallback(t)


def next_(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return resume(t)
    return coach.advance(t, routine, +1)


def previous(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return resume(t)
    return coach.advance(t, routine, -1)


def repeat(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:  # the same turn again, its first repetition with the full instruction
        return coach.step(t, routine, full=True)
    last = t.conv.last
    if last is None:
        return help_(t)
    t.conv.ask = t.asked  # the same question is pending again
    reprompt = Speech.from_ssml(last["reprompt"]) if last.get("reprompt") else Speech(t.texts.line("help.reprompt"))
    return ask(Speech.from_ssml(last["ssml"]), reprompt, outcome="repeated")


def pause(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return stop(t)
    t.profile.progress = routine
    t.conv.routine = None
    stretch = t.rules.stretches.get(routine.current)
    text = t.texts.line("goodbye.paused", number=routine.index + 1, total=len(routine.ids),
                        name=stretch.name if stretch else "")
    return tell(Speech(text), outcome="paused")


def resume(t: Turn) -> Reply:
    """Carry on where the user stopped; a place saved on an earlier day is resumed after the
    one-line "anything new since last time?" screen."""
    routine = t.conv.routine or t.profile.progress
    if routine is None and t.asked in ("onset", "pain"):
        return ask_again(t)  # "next" while the day or the pain is asked: that question comes first
    if routine is None:
        tx = t.texts
        question = tx.line("stretch.resume_none_question")
        t.conv.ask = "offer_stretch"
        return ask(Speech(tx.line("stretch.resume_none"), question), question)
    if t.conv.routine is None and t.profile.progress_saved_before(t.today()) and not t.conv.flag("checked_in"):
        return check_in(t)
    return coach.step(t, routine, coach.where(t, routine))


def checked_in(t: Turn) -> Reply:
    """ "Nothing new" to the check-in: carry on with the saved routine, moved along the timeline
    when the user told the day their back went again (the onset is not kept between sessions)."""
    t.conv.set_flag("checked_in")
    saved = t.profile.progress
    if t.conv.routine is not None or saved is None or t.conv.onset is None:
        return resume(t)
    assessment = t.assess()
    if is_care(assessment):
        return care_reply(t, assessment)
    today = [s.id for s in t.rules.routine(assessment.case, assessment)]
    done = saved.ids[:saved.index]
    rest = [i for i in today if i not in done]
    if not rest or done + rest == saved.ids:
        return resume(t)
    added = [t.rules.stretches[i].name for i in rest if i not in saved.ids]
    said = (t.texts.line("progress.moved_on", names=join(added)) if added else t.texts.line("progress.updated"))
    return coach.step(t, Routine(done + rest, len(done)), Speech(said))


def decline_resume(t: Turn) -> Reply:
    """ "No" to "would you like to carry on?": the saved place is dropped."""
    t.profile.progress = None
    return okay(t)


def start_over(t: Turn) -> Reply:
    routine = t.conv.routine or t.profile.progress
    if routine is not None:
        return coach.step(t, Routine(routine.ids, 0))
    return home(t)
