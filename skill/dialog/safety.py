"""Red flags first: what runs before any handler, and every answer about getting care.

`safety_first` runs for every request (`skill.dialog.dispatch`): the symptom and age a request
carries are taken and a case that needs care is answered now, whatever was pending; a vague
leg complaint gets one clarifying question first. Here too: "I need help" (EmergencyHelpIntent),
"that hurts" mid-stretch (ItHurtsIntent), the safety screen's "yes", and the fail-safe answers
when a red flag is said but not which one.
"""

from __future__ import annotations

from rules import Assessment

from ..voice import answers
from ..voice.answers import is_care
from ..voice.ssml import Speech
from .catalogue import symptom_id
from .slots import bounded
from .state import MAX_MISSES
from .turn import Reply, Turn, anything_else, ask, tell

#: Emergency numbers people say; read as a pain score or a day count they mean "call for help".
EMERGENCY_NUMBERS = frozenset({"911", "999", "112", "000", "108"})
#: Symptoms that mid-routine also ask the screen for saddle, bladder and both-legs signs.
LEG_SYMPTOMS = frozenset({"leg_numbness", "leg_tingling", "leg_weakness", "pain_down_leg", "worsening_pain"})


def safety_first(t: Turn, activity: bool) -> Reply | None:
    """Before any handler, in every state: the symptom and age a request carries are taken, and a
    case that needs care is answered now. `activity`: the request leads to stretching, so a red
    flag known from earlier in the conversation is answered too."""
    q = t.query
    if any(q.slot(name) is not None and q.slot(name).value.strip() in EMERGENCY_NUMBERS
           for name in ("painLevel", "daysAgo")):
        return emergency_help(t)  # "call 911" heard as a number while a number was asked
    symptom, age = q.slot("symptom"), q.slot("age")
    if symptom is not None:
        ident = symptom_id(t, symptom.id, symptom.value)
        if ident is None:
            return unknown_symptom(t)
        record = t.rules.symptoms[ident]
        if record.clarify_yes is not None:
            return clarify(t, ident)
        t.conv.add_symptom(ident)
        t.noted.say(t.texts.line("facts.symptom_noted", label=record.label))
    if age is not None:
        parsed = bounded(age.value, 0, 130)
        if parsed.ok:
            t.conv.age = parsed.value
            if not t.noted:
                t.noted.say(t.texts.line("facts.age_noted"))
        else:
            t.noted.say(t.texts.line("facts.age_invalid"))
    if symptom is None and age is None and not (activity and (t.conv.symptoms or t.conv.age is not None)):
        return None
    assessment = t.assess()
    return care_reply(t, assessment) if is_care(assessment) else None


def care_reply(t: Turn, a: Assessment) -> Reply:
    """The action first: emergency, the number and go now (the session ends); urgent or
    fail-closed, see a doctor today, and when to call the emergency number instead."""
    tx = t.texts
    speech = answers.care_speech(tx, t.rules, a)
    t.conv.routine = None
    t.conv.goal = None
    t.profile.progress = None  # no stretching until the user has been seen
    if a.tier == "emergency":
        return tell(speech, card=(tx.line("card.emergency_title"), speech.text), outcome="emergency")
    disclaimer_first(t, speech, after=True)
    return anything_else(t, speech, card=(tx.line("card.urgent_title"), speech.text),
                         outcome="urgent" if not a.fail_closed else "fail_closed")


def disclaimer_first(t: Turn, speech: Speech, *, after: bool = False) -> Speech:
    """A new user's first advice, on any path (a one-shot question too), carries the short
    disclaimer once per user: before the advice, or `after` an urgent answer's action."""
    if t.profile.disclaimer_heard:
        return speech
    t.profile.hear_disclaimer()
    line = t.texts.line("launch.disclaimer_short")
    return speech.say(line) if after else Speech(line).extend(speech)


def short_safety_line(t: Turn) -> Speech:
    """The locale's short emergency line, the first time this session it is needed."""
    if t.conv.flag("safety_short"):
        return Speech()
    t.conv.set_flag("safety_short")
    return Speech(t.texts.line("safety.short"))


def emergency_help(t: Turn) -> Reply:
    """ "Call an ambulance", "I've fallen and can't get up": the number, what to tell them, at once."""
    tx = t.texts
    speech = Speech(tx.line("emergency.now"), *tx.lines("emergency.tell"))
    t.conv.routine = None
    t.conv.goal = None
    return tell(speech, card=(tx.line("card.emergency_title"), speech.text), outcome="emergency help")


def clarify(t: Turn, vague: str) -> Reply:
    """A vague leg complaint: one question (both legs? numb or weak?) before escalating."""
    t.conv.clarifying = vague
    t.conv.ask = "clarify"
    question = t.texts.line(f"clarify.{vague}")
    return ask(Speech(question), t.texts.line("clarify.reprompt"), outcome="clarify")


def unknown_symptom(t: Turn) -> Reply:
    tx = t.texts
    t.conv.ask = "which_symptom"
    return ask(Speech(tx.line("facts.symptom_unknown"), tx.line("facts.symptom_safety"),
                      tx.line("facts.symptom_again")),
               tx.line("ask.which_symptom_reprompt"), outcome="symptom unknown")


def unclear_red_flag(t: Turn) -> Reply:
    """The user said they have a red-flag symptom but not which: fail safe, then ask again."""
    tx = t.texts
    t.conv.ask = "which_symptom"
    speech = Speech(tx.line("ask.unclear_red_flag"), tx.line("facts.symptom_safety"),
                    tx.line("ask.which_symptom"))
    return ask(speech, tx.line("ask.which_symptom_reprompt"), outcome="red flag unclear")


def which_symptom_missed(t: Turn) -> Reply:
    """Not understood while asked which red-flag symptom: fail safe (it counts as a miss)."""
    t.conv.misses = t.conv.misses + 1
    if t.conv.misses >= MAX_MISSES:
        return tell(Speech(t.texts.line("ask.unclear_red_flag"), t.texts.line("fallback.give_up")),
                    outcome="gave up")
    return unclear_red_flag(t)


def check_in(t: Turn, before: Speech | None = None) -> Reply:
    """The daily check-in before a routine saved on an earlier day: one short red-flag question."""
    t.conv.ask = "checkin"
    speech = Speech().extend(before) if before else Speech()
    return ask(speech.say(t.texts.line("checkin.question")), t.texts.line("checkin.reprompt"), outcome="check-in")


def screen_positive(t: Turn) -> Reply:
    """ "Yes" to a safety screen: which one?"""
    tx = t.texts
    t.conv.ask = "which_symptom"
    return ask(Speech(tx.line("ask.which_symptom")), tx.line("ask.which_symptom_reprompt"),
               outcome="screen positive")


# ---------------------------------------------------------------------- it hurts
def it_hurts(t: Turn) -> Reply:
    """ "That hurts", "it's getting worse", "I feel dizzy": stop now, what to do, then screen."""
    return stop_and_screen(t, Speech())


def stop_and_screen(t: Turn, before: Speech) -> Reply:
    """Stop the routine at once (its place is kept), say what to do now, and ask the screen for
    new leg, saddle or bladder signs."""
    tx = t.texts
    speech = Speech()
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
        t.conv.routine = None
        speech.say(tx.line("hurts.stop"))
    speech.extend(before).say(*tx.lines("hurts.what_now"))
    t.conv.ask = "hurt_screen"
    return ask(speech.say(tx.line("hurts.screen")), tx.line("hurts.screen_reprompt"), outcome="stopped: hurts")


def symptom_mid_routine(t: Turn, assessment: Assessment, ack: Speech) -> Reply:
    """A new symptom said mid-routine (not one that needs care now): stop, advise, screen legs."""
    before = Speech().extend(ack).extend(answers.tier_advice(t.texts, t.rules, assessment))
    if assessment.case.symptoms & LEG_SYMPTOMS:
        return stop_and_screen(t, before)
    routine = t.conv.routine
    t.profile.progress = routine
    t.conv.routine = None
    return anything_else(t, Speech(t.texts.line("hurts.stop")).extend(before).say(*t.texts.lines("hurts.rest")),
                         outcome="routine stopped")


def rest_after_hurt(t: Turn) -> Reply:
    """ "No" to the screen after it hurt: stop for today, and when to see a doctor."""
    return anything_else(t, Speech(*t.texts.lines("hurts.rest")), outcome="rest")
