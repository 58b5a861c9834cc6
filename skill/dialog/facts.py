"""Facts and advice: the case a conversation builds, the questions that complete it, the answers.

The symptom a request carries is taken first, before any handler (`skill.dialog.safety`):
a care-tier case is answered at once, whatever was pending. Then `take_facts` reads onset,
pain and activity, and `proceed` asks for the next missing fact (onset, pain, the safety
screen) or answers the goal the user asked for.
"""

from __future__ import annotations

from rules import Assessment

from ..voice import answers, coaching
from ..voice.answers import is_care
from ..voice.ssml import Speech
from . import coach
from .catalogue import activity_id
from .safety import care_reply, check_in, disclaimer_first, symptom_mid_routine, unclear_red_flag
from .slots import Parsed, bounded, days_ago, onset_date
from .turn import Reply, Turn, anything_else, ask, elicit


def clarified_yes(t: Turn) -> Reply:
    return clarified(t, yes=True)


def clarified_no(t: Turn) -> Reply:
    return clarified(t, yes=False)


def clarified(t: Turn, yes: bool) -> Reply:
    """The answer to the clarifying question: yes (or unclear) escalates, no stands for the milder one."""
    vague = t.rules.symptoms.get(t.conv.clarifying or "")
    t.conv.clarifying = None
    ident = (vague.clarify_yes if yes else vague.clarify_no) if vague is not None else None
    if vague is None and yes:  # the question was lost (an old session): fail safe
        return unclear_red_flag(t)
    if ident is not None:
        t.conv.add_symptom(ident)
    assessment = t.assess()
    if is_care(assessment):
        return care_reply(t, assessment)
    return proceed(t, Speech(t.texts.line("answer.okay")))


def screen_negative(t: Turn) -> Reply:
    t.conv.screened = True
    return proceed(t)


# ---------------------------------------------------------------------- facts
def take_facts(t: Turn) -> Reply:
    """Read onset, pain and activity from the slots (the symptom is already taken), then carry on."""
    tx = t.texts
    ack = Speech().extend(t.noted)
    problem: tuple[str, str] | None = None  # (fact, what to say)
    onset = _onset(t)
    if onset is not None:
        if onset.ok and onset.value != t.conv.onset:  # Alexa re-sends filled slots: ack new facts only
            t.conv.onset = onset.value
            ack.say(tx.line("facts.onset_noted", days_phrase=days_phrase(t, t.days_since_onset())))
        elif not onset.ok:
            problem = ("onset", tx.line(f"ask.onset_{onset.problem}"))
    pain = t.query.slot("painLevel")
    if pain is not None:
        parsed = bounded(pain.value, 0, 10)
        if parsed.ok:
            if parsed.value != t.conv.pain:
                t.conv.pain = parsed.value
                ack.say(tx.line("facts.pain_noted", pain=parsed.value))
        elif problem is None:
            problem = ("pain", tx.line("ask.pain_invalid"))
    activity = t.query.slot("activity")
    if activity is not None:
        t.conv.activity = activity_id(t, activity.id, activity.value)
    _remember_health(t)
    if problem is not None:
        return ask_fact(t, problem[0], ack.say(problem[1]))
    if t.asked == "checkin":  # the day (or pain) told at the daily check-in: the question stands
        return check_in(t, ack)
    return proceed(t, ack)


def _onset(t: Turn) -> Parsed | None:
    date_slot = t.query.slot("onsetDate")
    if date_slot is not None:
        return onset_date(date_slot.value, t.today())
    ago = t.query.slot("daysAgo")
    if ago is not None:
        return days_ago(ago.value, t.today())
    return None


def days_phrase(t: Turn, days: int | None) -> str:
    if days == 0:
        return t.texts.line("facts.onset_today")
    if days == 1:
        return t.texts.line("facts.onset_yesterday")
    return t.texts.line("facts.onset_days_ago", days=days)


def _remember_health(t: Turn) -> None:
    if t.services.remember_health and (t.conv.onset is not None or t.conv.pain is not None):
        t.profile.remember(t.conv.onset, t.conv.pain, t.today())


# ---------------------------------------------------------------------- toward the goal
def proceed(t: Turn, ack: Speech | None = None, *, breathing_offered: bool = False) -> Reply:
    """After any new fact: red flags first, then the next missing fact, then the goal."""
    t.conv.misses = 0
    ack = ack or Speech()
    assessment = t.assess()
    if is_care(assessment):
        return care_reply(t, assessment)
    routine = t.conv.routine
    if routine is not None and t.query.slot("symptom") is not None:
        return symptom_mid_routine(t, assessment, ack)
    goal = t.conv.goal or "exercise"
    missing = {"onset": t.conv.onset is None, "pain": t.conv.pain is None, "screen": not t.conv.screened}
    for fact in ("screen",) if goal == "doctor" else ("onset", "pain", "screen"):
        if missing[fact]:
            return ask_fact(t, fact, ack)
    t.conv.goal = None
    if goal == "stretch":
        return _goal_stretch(t, assessment, ack, breathing_offered)
    return GOALS[goal](t, assessment, ack)


def ask_fact(t: Turn, fact: str, ack: Speech) -> Reply:
    """Ask for onset, pain or the safety screen (with Dialog.ElicitSlot where Alexa can fill it)."""
    tx = t.texts
    t.conv.ask = fact
    if fact == "screen":
        return ask(ack.say(tx.line("ask.screen")), tx.line("ask.screen_reprompt"), outcome="screening")
    if t.query.intent == "CanIExerciseIntent":
        slot = "onsetDate" if fact == "onset" else "painLevel"
        return elicit(slot, ack.say(tx.line(f"ask.{fact}")), tx.line(f"ask.{fact}_reprompt"))
    return ask(ack.say(tx.line(f"ask.{fact}")), tx.line(f"ask.{fact}_reprompt"), outcome=f"ask {fact}")


def ask_again(t: Turn) -> Reply:
    """A yes or no where a date or a number was asked: ask for it again."""
    return ask_fact(t, t.asked or "onset", Speech())


def _goal_exercise(t: Turn, assessment: Assessment, ack: Speech) -> Reply:
    t.conv.activity = None  # answered now (the assessment includes it)
    speech = ack.extend(disclaimer_first(t, answers.exercise_answer(t.texts, t.rules, assessment)))
    speech.extend(safety_net(t))
    candidates = t.rules.candidates(assessment.case, assessment)
    if assessment.max_activity == "rest" and candidates:
        question = t.texts.line("answer.offer_breathing")  # at rest: breathing, not stretches
        t.conv.ask = "start_routine"
    elif candidates:
        question = t.texts.line("answer.offer_stretch")
        t.conv.ask = "offer_stretch"
    else:
        return anything_else(t, speech, card=(t.texts.line("card.title"), speech.text))
    return ask(speech.say(question), question, card=(t.texts.line("card.title"), speech.text))


def _goal_doctor(t: Turn, assessment: Assessment, ack: Speech) -> Reply:
    speech = ack.extend(disclaimer_first(t, answers.doctor_answer(t.texts, t.rules, assessment)))
    speech.extend(safety_net(t))
    return anything_else(t, speech, card=(t.texts.line("card.title"), speech.text))


def _goal_stretch(t: Turn, assessment: Assessment, ack: Speech, breathing_offered: bool) -> Reply:
    tx = t.texts
    target = t.conv.target
    t.conv.target = None
    if target is not None:
        stretch = t.rules.stretches[target]
        if stretch in t.rules.candidates(assessment.case, assessment):
            return coach.start(t, [target], ack)
        return _not_today(t, stretch, assessment, ack)
    routine = [s.id for s in t.rules.routine(assessment.case, assessment)]
    if not routine:
        return anything_else(t, ack.say(tx.line("stretch.none_today")))
    if assessment.max_activity == "rest" and not breathing_offered:
        question = tx.line("stretch.rest_question")
        t.conv.ask = "start_routine"
        t.conv.goal = "stretch"
        return ask(ack.say(*tx.lines("stretch.rest_only"), question), question)
    return coach.start(t, routine, ack)


def _not_today(t: Turn, stretch, assessment: Assessment, ack: Speech) -> Reply:
    tx = t.texts
    ack.say(tx.line("stretch.not_today", name=answers.capital(stretch.name)))
    bad = sorted(stretch.contraindications & assessment.case.symptoms)
    if bad:
        ack.say(tx.line("stretch.not_with", label=t.rules.symptoms[bad[0]].label))
    else:
        stage = t.rules.stages.get(stretch.earliest)
        days = assessment.case.days_since_onset
        if stage is not None and days is not None and days < stage.first_day:
            ack.say(tx.line("answer.stretch_opens", when=answers.when_phrase(tx, stage.first_day - days)))
    question = tx.line("stretch.unknown_question")
    t.conv.ask = "offer_stretch"
    return ask(ack.say(question), question)


def _goal_list(t: Turn, assessment: Assessment, ack: Speech) -> Reply:
    tx = t.texts
    stretches = list(t.rules.routine(assessment.case, assessment))
    if not stretches:
        return anything_else(t, ack.say(tx.line("stretch.none_today")))
    question = tx.line("stretch.list_question")
    t.conv.ask = "offer_stretch"
    return ask(ack.say(tx.line("stretch.list_today", names=coaching.names(stretches)), question), question)


GOALS = {"exercise": _goal_exercise, "doctor": _goal_doctor, "list": _goal_list}


def safety_net(t: Turn) -> Speech:
    """The red flags to watch for, once per conversation."""
    if t.conv.flag("safety_net"):
        return Speech()
    t.conv.set_flag("safety_net")
    return answers.safety_net(t.texts, t.rules)


# ---------------------------------------------------------------------- advice and intents
def can_i_exercise(t: Turn) -> Reply:
    t.conv.goal = "exercise"
    return take_facts(t)


def see_doctor(t: Turn) -> Reply:
    t.conv.goal = "doctor"
    return proceed(t)


def relief_tips(t: Turn) -> Reply:
    tx = t.texts
    speech = disclaimer_first(t, Speech(tx.line("relief.intro"), *tx.advice(t.rules, "relief")))
    speech.extend(safety_net(t))
    return anything_else(t, speech, card=(tx.line("card.title"), speech.text))
