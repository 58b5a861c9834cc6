"""Handlers of the session itself: launch, help, home, stop, not understood, session end, privacy.

Launch speaks the disclaimer once per user and offers to resume a saved routine; "forget me"
and the SkillDisabled event delete everything stored about the user.
"""

from __future__ import annotations

import logging

from ..backends.store import DeletionFailed, StoreUnavailable
from ..voice.ssml import Speech
from .progress import welcome_back
from .reminding import cancel_all, forget_reminders
from .safety import short_safety_line
from .state import MAX_MISSES
from .turn import Reply, Turn, anything_else, ask, tell

log = logging.getLogger(__name__)


def launch(t: Turn) -> Reply:
    tx = t.texts
    profile = t.profile
    screen: list = []
    if profile.disclaimer_heard:
        week, screen = welcome_back(t)
        speech = Speech(tx.line("launch.welcome_back")).extend(week)
    else:
        speech = Speech(tx.line("launch.disclaimer"), tx.line("launch.what_i_do"))
        profile.hear_disclaimer()
    if not profile.available:
        speech.say(tx.line("launch.no_profile"))
    recall_health(t)
    progress = profile.progress
    stretch = t.rules.stretches.get(progress.current) if progress else None
    if stretch is not None:
        question = tx.line("launch.resume_offer", number=progress.index + 1, total=len(progress.ids),
                           name=stretch.name)
        t.conv.ask = "resume"
        return ask(speech.say(question), question, directives=screen)
    return ask(speech.say(tx.line("launch.question")), tx.line("launch.reprompt"), directives=screen)


def recall_health(t: Turn) -> None:
    """HIPAA-eligible deployments only: bring back the onset date and today's pain score."""
    if not t.services.remember_health:
        return
    if t.conv.onset is None and t.profile.onset is not None:
        t.conv.onset = t.profile.onset
    if t.conv.pain is None:
        t.conv.pain = t.profile.pain_on(t.today())


def help_(t: Turn) -> Reply:
    tx = t.texts
    if t.conv.routine is not None:
        question = tx.line("help.routine_question")
        return ask(Speech(*tx.lines("help.routine"), question), question)
    question = tx.line("help.general_question")
    return ask(Speech(*tx.lines("help.general"), question), tx.line("help.reprompt"))


def home(t: Turn) -> Reply:
    """Back to the start: nothing pending, "What would you like to do?"."""
    t.conv.goal = None
    return ask(Speech(t.texts.line("launch.question")), t.texts.line("launch.reprompt"))


def navigate_home(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
    t.conv.routine = None
    return home(t)


def okay(t: Turn) -> Reply:
    """ "No" to an offer: fine, anything else?"""
    return anything_else(t, Speech(t.texts.line("answer.okay")))


def goodbye(t: Turn) -> Reply:
    return tell(Speech(t.texts.line("goodbye.plain")), outcome="goodbye")


def stop(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
        t.conv.routine = None
        return tell(Speech(t.texts.line("goodbye.routine_saved")), outcome="stopped")
    return tell(Speech(t.texts.line("goodbye.plain")), outcome="stopped")


def fallback(t: Turn) -> Reply:
    """Not understood: a hint and a question; after MAX_MISSES in a row, stop for now. The
    reprompt after a miss, or the goodbye, carries the short emergency line once per session."""
    tx = t.texts
    t.conv.misses = t.conv.misses + 1
    if t.conv.misses >= MAX_MISSES:
        return tell(Speech(tx.line("fallback.give_up"), tx.line("safety.short")), outcome="gave up")
    hint = tx.line("fallback.routine_hint" if t.conv.routine else "fallback.hint")
    question = tx.line("fallback.question")
    return ask(Speech(tx.line("fallback.first"), hint, question), short_safety_line(t).say(hint), outcome="fallback")


def session_ended(t: Turn) -> Reply:
    """No speech is allowed here; keep the stretch position for "resume" next time."""
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
    return Reply(Speech(), None, end=True, outcome="session ended")


def skill_disabled(t: Turn) -> Reply:
    """The user disabled the skill: cancel their reminders where the API lets us (the event's
    token), then delete everything stored about them (503 if the database is down)."""
    if t.profile.alerts:
        cancel_all(t)
    try:
        t.handler_input.attributes_manager.delete_persistent_attributes()
    except StoreUnavailable as exc:
        raise DeletionFailed("database unavailable") from exc
    return Reply(Speech(), None, end=True, outcome="deleted")


def forget_me(t: Turn) -> Reply:
    tx = t.texts
    t.conv.ask = "forget"
    confirm = "forget.confirm_reminders" if t.profile.alerts else "forget.confirm"
    return ask(Speech(tx.line(confirm)), tx.line("forget.confirm_reprompt"), outcome="confirm forget")


def forget_confirmed(t: Turn) -> Reply:
    """Cancel the user's reminders (saying what could not be), then delete what is stored."""
    tx = t.texts
    reminders = forget_reminders(t)
    try:
        t.handler_input.attributes_manager.delete_persistent_attributes()
    except Exception as exc:  # noqa: BLE001 - the database may be down: say so, keep the session
        log.warning("deleting user data failed: %s", type(exc).__name__)
        return anything_else(t, reminders.say(tx.line("forget.failed")), outcome="forget failed")
    t.conv.attrs.clear()
    return tell(Speech(tx.line("forget.done")).extend(reminders).say(tx.line("goodbye.plain")), outcome="deleted")


def forget_declined(t: Turn) -> Reply:
    return anything_else(t, Speech(t.texts.line("forget.kept")))
