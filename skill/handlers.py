"""Request handlers: one small function per request type or intent, `Turn -> Reply`.

`ROUTES` maps (request type, intent name) to a handler; `skill.dispatch` looks it up (one dict
lookup per request) and anything unknown goes to `fallback`. Handlers read slots only through
`turn.query`, keep conversation state in `turn.conv` (session) and `turn.profile` (persistent),
and get every medical statement from the rules.

A red flag said at any moment goes through `report_symptom` -> `proceed`, which checks the
assessment's tier before anything else, mid-stretch included.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from . import answers, coach
from .answers import care_reply, is_care
from .slots import Parsed, bounded, days_ago, normalise, onset_date
from .speech import Speech
from .state import Routine
from .store import StoreUnavailable
from .turn import Reply, Turn

log = logging.getLogger(__name__)

MAX_MISSES = 3


class DeletionFailed(Exception):
    """A user's data could not be deleted (the database is down): the web layer answers 503."""


# ---------------------------------------------------------------------- launch, help, exit
def launch(t: Turn) -> Reply:
    tx = t.texts
    profile = t.profile
    if profile.disclaimer_heard:
        speech = Speech(tx.line("launch.welcome_back"))
    else:
        speech = Speech(tx.line("launch.disclaimer"), tx.line("launch.what_i_do"))
        profile.hear_disclaimer()
    _recall_health(t)
    progress = profile.progress
    stretch = t.rules.stretches.get(progress.current) if progress else None
    if stretch is not None:
        question = tx.line("launch.resume_offer", number=progress.index + 1, total=len(progress.ids),
                           name=stretch.name)
        t.conv.ask = "resume"
        return t.ask(speech.say(question), question)
    return t.ask(speech.say(tx.line("launch.question")), tx.line("launch.reprompt"))


def _recall_health(t: Turn) -> None:
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
        return t.ask(Speech(*tx.lines("help.routine"), question), question)
    question = tx.line("help.general_question")
    return t.ask(Speech(*tx.lines("help.general"), question), tx.line("help.reprompt"))


def stop(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
        t.conv.routine = None
        return t.tell(Speech(t.texts.line("goodbye.routine_saved")), outcome="stopped")
    return t.tell(Speech(t.texts.line("goodbye.plain")), outcome="stopped")


def navigate_home(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
    t.conv.routine = None
    return _home(t)


def _home(t: Turn) -> Reply:
    """Back to the start: nothing pending, "What would you like to do?"."""
    t.conv.ask = None
    t.conv.goal = None
    return t.ask(Speech(t.texts.line("launch.question")), t.texts.line("launch.reprompt"))


def fallback(t: Turn) -> Reply:
    tx = t.texts
    t.conv.misses = t.conv.misses + 1
    if t.conv.misses >= MAX_MISSES:
        return t.tell(Speech(tx.line("fallback.give_up")), outcome="gave up")
    if t.conv.ask == "which_symptom":
        return _unclear_red_flag(t)
    hint = tx.line("fallback.routine_hint" if t.conv.routine else "fallback.hint")
    question = tx.line("fallback.question")
    return t.ask(Speech(tx.line("fallback.first"), hint, question), hint, outcome="fallback")


def session_ended(t: Turn) -> Reply:
    """No speech is allowed here; keep the stretch position for "resume" next time."""
    routine = t.conv.routine
    if routine is not None:
        t.profile.progress = routine
    return Reply(Speech(), None, end=True, outcome="session ended")


def skill_disabled(t: Turn) -> Reply:
    """The user disabled the skill: delete everything stored about them (503 if the database is down)."""
    try:
        t.handler_input.attributes_manager.delete_persistent_attributes()
    except StoreUnavailable as exc:
        raise DeletionFailed("database unavailable") from exc
    return Reply(Speech(), None, end=True, outcome="deleted")


# ---------------------------------------------------------------------- facts and the case
def can_i_exercise(t: Turn) -> Reply:
    t.conv.goal = "exercise"
    return take_facts(t)


def report_onset(t: Turn) -> Reply:
    return take_facts(t)


def report_pain(t: Turn) -> Reply:
    return take_facts(t)


def report_symptom(t: Turn) -> Reply:
    return take_facts(t)


def see_doctor(t: Turn) -> Reply:
    t.conv.goal = "doctor"
    return proceed(t)


def take_facts(t: Turn) -> Reply:
    """Read onset, pain, symptom, age and activity from the slots, then carry on toward the goal."""
    q = t.query
    tx = t.texts
    ack = Speech()
    problems: list[tuple[str, str]] = []  # (slot, what to say)

    symptom = q.slot("symptom")
    if symptom is not None:
        ident = _symptom_id(t, symptom.id, symptom.value)
        if ident is None:
            return _unknown_symptom(t)
        t.conv.add_symptom(ident)
        ack.say(tx.line("facts.symptom_noted", label=t.rules.symptoms[ident].label))
    age = q.slot("age")
    if age is not None:
        parsed = bounded(age.value, 0, 130)
        if parsed.ok:
            t.conv.age = parsed.value
            if not ack:
                ack.say(tx.line("facts.age_noted"))
        else:
            ack.say(tx.line("facts.age_invalid"))
    if symptom is not None or age is not None:
        # A red flag is answered at once, before any question about dates or pain.
        assessment = t.assess()
        if is_care(assessment):
            return care_reply(t, assessment, ack)

    onset = _onset(t)
    if onset is not None:
        if onset.ok and onset.value != t.conv.onset:  # Alexa re-sends filled slots: ack new facts only
            t.conv.onset = onset.value
            days = t.conv.days_since_onset(t.today())
            ack.say(tx.line("facts.onset_noted", days_phrase=_days_phrase(t, days)))
        elif not onset.ok:
            problems.append(("onsetDate", tx.line(f"ask.onset_{onset.problem}")))
    pain = q.slot("painLevel")
    if pain is not None:
        parsed = bounded(pain.value, 0, 10)
        if parsed.ok:
            if parsed.value != t.conv.pain:
                t.conv.pain = parsed.value
                ack.say(tx.line("facts.pain_noted", pain=parsed.value))
        else:
            problems.append(("painLevel", tx.line("ask.pain_invalid")))
    activity = q.slot("activity")
    if activity is not None:
        t.conv.activity = _activity_id(t, activity.id, activity.value)
    _remember_health(t)
    if problems:
        slot, message = problems[0]
        return _ask_fact(t, "onset" if slot == "onsetDate" else "pain", ack.say(message))
    return proceed(t, ack)


def _onset(t: Turn) -> Parsed | None:
    date_slot = t.query.slot("onsetDate")
    if date_slot is not None:
        return onset_date(date_slot.value, t.today())
    ago = t.query.slot("daysAgo")
    if ago is not None:
        return days_ago(ago.value, t.today())
    return None


def _days_phrase(t: Turn, days: int | None) -> str:
    if days == 0:
        return t.texts.line("facts.onset_today")
    if days == 1:
        return t.texts.line("facts.onset_yesterday")
    return t.texts.line("facts.onset_days_ago", days=days)


def _remember_health(t: Turn) -> None:
    if t.services.remember_health and (t.conv.onset is not None or t.conv.pain is not None):
        t.profile.remember(t.conv.onset, t.conv.pain, t.today())


def _catalogue_id(records: Mapping[str, object], resolved: str | None, raw: str, names) -> str | None:
    """A catalogue id: Alexa's resolution when it names a known record, else a match of the words
    against `names(record)` (its id, name and synonyms)."""
    if resolved in records:
        return resolved
    said = normalise(raw)
    for ident, record in records.items():
        if said in (normalise(ident.replace("_", " ")), *map(normalise, names(record))):
            return ident
    return None


def _symptom_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    return _catalogue_id(t.rules.symptoms, resolved, raw, lambda s: s.synonyms)


def _activity_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    if resolved in t.rules.activities:
        return resolved
    try:
        return t.rules.activity(raw).id
    except ValueError:
        return None


def _unknown_symptom(t: Turn) -> Reply:
    tx = t.texts
    question = tx.line("facts.symptom_again")
    t.conv.ask = "which_symptom"
    return t.ask(Speech(tx.line("facts.symptom_unknown"), tx.line("facts.symptom_safety"), question),
                 tx.line("ask.which_symptom_reprompt"), outcome="symptom unknown")


def proceed(t: Turn, ack: Speech | None = None) -> Reply:
    """After any new fact: red flags first, then the next missing fact, then the goal."""
    t.conv.misses = 0
    ack = ack or Speech()
    assessment = t.assess()
    if is_care(assessment):
        return care_reply(t, assessment, ack)
    routine = t.conv.routine
    if routine is not None and t.query.intent == "ReportSymptomIntent":
        return _adjust_routine(t, routine, assessment, ack)
    goal = t.conv.goal or "exercise"
    missing = {"onset": t.conv.onset is None, "pain": t.conv.pain is None, "screen": not t.conv.screened}
    for fact in ("screen",) if goal == "doctor" else ("onset", "pain", "screen"):
        if missing[fact]:
            return _ask_fact(t, fact, ack)
    t.conv.goal = None
    return GOALS[goal](t, assessment, ack)


def _ask_fact(t: Turn, fact: str, ack: Speech) -> Reply:
    tx = t.texts
    t.conv.ask = fact
    if fact == "screen":
        return t.ask(ack.say(tx.line("ask.screen")), tx.line("ask.screen_reprompt"), outcome="screening")
    if t.query.intent == "CanIExerciseIntent":
        slot = "onsetDate" if fact == "onset" else "painLevel"
        return t.elicit(slot, ack.say(tx.line(f"ask.{fact}")), tx.line(f"ask.{fact}_reprompt"))
    return t.ask(ack.say(tx.line(f"ask.{fact}")), tx.line(f"ask.{fact}_reprompt"), outcome=f"ask {fact}")


def _adjust_routine(t: Turn, routine: Routine, assessment, ack: Speech) -> Reply:
    """A new symptom mid-routine: drop the stretches it rules out, then carry on."""
    allowed = {s.id for s in t.rules.candidates(assessment.case, assessment)}
    done, rest = routine.ids[:routine.index], routine.ids[routine.index:]
    kept = [i for i in rest if i in allowed]
    if kept != rest:
        ack.say(t.texts.line("stretch.changed"))
    if not kept:  # nothing left that is right for the user now: stop, without praise
        t.conv.routine = None
        t.profile.progress = None
        answers.tier_advice(t, assessment, ack)
        question = t.texts.line("answer.anything_else")
        t.conv.ask = "anything_else"
        return t.ask(ack.say(question), question, outcome="routine stopped")
    new = Routine(done + kept, len(done))
    answers.tier_advice(t, assessment, ack)
    return coach.step(t, new, ack)


# ---------------------------------------------------------------------- goals
def _goal_exercise(t: Turn, assessment, ack: Speech) -> Reply:
    t.conv.activity = None  # answered now (the assessment includes it)
    speech = ack.extend(answers.exercise_answer(t, assessment))
    if assessment.max_activity == "rest" and t.rules.candidates(assessment.case, assessment):
        question = t.texts.line("answer.offer_breathing")  # at rest: breathing, not stretches
        t.conv.ask = "start_routine"
    elif t.rules.candidates(assessment.case, assessment):
        question = t.texts.line("answer.offer_stretch")
        t.conv.ask = "offer_stretch"
    else:
        question = t.texts.line("answer.anything_else")
        t.conv.ask = "anything_else"
    return t.ask(speech.say(question), question, card=(t.texts.line("card.title"), speech.text))


def _goal_doctor(t: Turn, assessment, ack: Speech) -> Reply:
    speech = ack.extend(answers.doctor_answer(t, assessment))
    question = t.texts.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return t.ask(speech.say(question), question, card=(t.texts.line("card.title"), speech.text))


def _goal_stretch(t: Turn, assessment, ack: Speech) -> Reply:
    tx = t.texts
    target = t.conv.target
    t.conv.target = None
    allowed = t.rules.candidates(assessment.case, assessment)
    if target is not None:
        stretch = t.rules.stretches[target]
        if stretch in allowed:
            return coach.start(t, [target], ack)
        return _not_today(t, stretch, assessment, ack)
    routine = [s.id for s in t.rules.routine(assessment.case, assessment)]
    if not routine:
        question = tx.line("answer.anything_else")
        t.conv.ask = "anything_else"
        return t.ask(ack.say(tx.line("stretch.none_today"), question), question)
    if assessment.max_activity == "rest" and t.conv.ask != "start_routine":
        question = tx.line("stretch.rest_question")
        t.conv.ask = "start_routine"
        t.conv.goal = "stretch"
        return t.ask(ack.say(*tx.lines("stretch.rest_only"), question), question)
    return coach.start(t, routine, ack)


def _not_today(t: Turn, stretch, assessment, ack: Speech) -> Reply:
    tx = t.texts
    ack.say(tx.line("stretch.not_today", name=answers.capital(stretch.name)))
    bad = sorted(stretch.contraindications & assessment.case.symptoms)
    if bad:
        ack.say(tx.line("stretch.not_with", label=t.rules.symptoms[bad[0]].label))
    else:
        stage = t.rules.stages.get(stretch.earliest)
        days = assessment.case.days_since_onset
        if stage is not None and days is not None and days < stage.first_day:
            ack.say(tx.line("stretch.opens_from", day=stage.first_day))
    question = tx.line("stretch.unknown_question")
    t.conv.ask = "offer_stretch"
    return t.ask(ack.say(question), question)


def _goal_list(t: Turn, assessment, ack: Speech) -> Reply:
    tx = t.texts
    stretches = list(t.rules.routine(assessment.case, assessment))
    if not stretches:
        question = tx.line("answer.anything_else")
        t.conv.ask = "anything_else"
        return t.ask(ack.say(tx.line("stretch.none_today"), question), question)
    question = tx.line("stretch.list_question")
    t.conv.ask = "offer_stretch"
    return t.ask(ack.say(tx.line("stretch.list_today", names=coach.names(stretches)), question), question)


GOALS = {"exercise": _goal_exercise, "doctor": _goal_doctor, "stretch": _goal_stretch, "list": _goal_list}


# ---------------------------------------------------------------------- stretching
def _care_first(handler):
    """Stretching handlers answer a known red flag instead of coaching."""
    def guarded(t: Turn) -> Reply:
        if t.conv.symptoms or t.conv.age is not None:
            assessment = t.assess()
            if is_care(assessment):
                return care_reply(t, assessment)
        return handler(t)
    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


@_care_first
def start_stretch(t: Turn) -> Reply:
    slot = t.query.slot("stretch")
    if slot is not None:
        ident = _stretch_id(t, slot.id, slot.value)
        if ident is None:
            tx = t.texts
            question = tx.line("stretch.unknown_question")
            t.conv.ask = "offer_stretch"
            return t.ask(Speech(tx.line("stretch.unknown", name=slot.value), question), question,
                         outcome="unknown stretch")
        t.conv.target = ident
    elif t.conv.routine is not None:
        return coach.step(t, t.conv.routine)
    elif t.profile.progress is not None and t.conv.ask != "resume":
        return resume(t)
    t.conv.goal = "stretch"
    return proceed(t)


def _stretch_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    return _catalogue_id(t.rules.stretches, resolved, raw, lambda s: (s.name, *s.synonyms))


@_care_first
def list_stretches(t: Turn) -> Reply:
    t.conv.goal = "list"
    if t.conv.onset is None:
        tx = t.texts
        return _ask_fact(t, "onset", Speech(tx.line("stretch.list_catalogue", count=len(t.rules.stretches))))
    return proceed(t)


@_care_first
def next_(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return resume(t)
    return coach.advance(t, routine, +1)


@_care_first
def previous(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return resume(t)
    return coach.advance(t, routine, -1)


@_care_first
def repeat(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is not None:
        return coach.step(t, routine)
    last = t.conv.last
    if last is None:
        return help_(t)
    reprompt = Speech.from_ssml(last["reprompt"]) if last.get("reprompt") else Speech(t.texts.line("help.reprompt"))
    return t.ask(Speech.from_ssml(last["ssml"]), reprompt, outcome="repeated")


def pause(t: Turn) -> Reply:
    routine = t.conv.routine
    if routine is None:
        return stop(t)
    t.profile.progress = routine
    t.conv.routine = None
    stretch = t.rules.stretches.get(routine.current)
    text = t.texts.line("goodbye.paused", number=routine.index + 1, total=len(routine.ids),
                        name=stretch.name if stretch else "")
    return t.tell(Speech(text), outcome="paused")


@_care_first
def resume(t: Turn) -> Reply:
    routine = t.conv.routine or t.profile.progress
    if routine is None:
        tx = t.texts
        question = tx.line("stretch.resume_none_question")
        t.conv.ask = "offer_stretch"
        return t.ask(Speech(tx.line("stretch.resume_none"), question), question)
    return coach.step(t, routine)


@_care_first
def start_over(t: Turn) -> Reply:
    routine = t.conv.routine or t.profile.progress
    if routine is not None:
        return coach.step(t, Routine(routine.ids, 0))
    return _home(t)


# ---------------------------------------------------------------------- advice
def relief_tips(t: Turn) -> Reply:
    tx = t.texts
    speech = Speech(tx.line("relief.intro"))
    for advice in t.rules.advice_of("relief"):
        speech.say(*advice.say)
    question = tx.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return t.ask(speech.say(question), question, card=(tx.line("card.title"), speech.text))


# ---------------------------------------------------------------------- privacy
def forget_me(t: Turn) -> Reply:
    tx = t.texts
    t.conv.ask = "forget"
    question = tx.line("forget.confirm")
    return t.ask(Speech(question), tx.line("forget.confirm_reprompt"), outcome="confirm forget")


def _forget(t: Turn) -> Reply:
    tx = t.texts
    try:
        t.handler_input.attributes_manager.delete_persistent_attributes()
    except Exception as exc:  # noqa: BLE001 - the database may be down: say so, keep the session
        log.warning("deleting user data failed: %s", type(exc).__name__)
        question = tx.line("answer.anything_else")
        t.conv.ask = "anything_else"
        return t.ask(Speech(tx.line("forget.failed"), question), question, outcome="forget failed")
    t.conv.attrs.clear()
    return t.tell(Speech(tx.line("forget.done"), tx.line("goodbye.plain")), outcome="deleted")


# ---------------------------------------------------------------------- yes and no
def yes(t: Turn) -> Reply:
    ask = t.conv.ask
    t.conv.ask = None
    if ask == "screen":
        t.conv.ask = "which_symptom"
        tx = t.texts
        return t.ask(Speech(tx.line("ask.which_symptom")), tx.line("ask.which_symptom_reprompt"),
                     outcome="screen positive")
    if ask == "which_symptom":
        return _unclear_red_flag(t)
    if ask in ("offer_stretch", "start_routine"):
        t.conv.goal = "stretch"
        if ask == "start_routine":
            t.conv.ask = "start_routine"
        return proceed(t)
    if ask == "resume":
        return resume(t)
    if ask == "forget":
        return _forget(t)
    if ask == "offer_exercise":
        t.conv.goal = "exercise"
        return proceed(t)
    if ask == "anything_else":
        return _home(t)
    if t.conv.routine is not None:  # "okay" after "say next when you're ready"
        return next_(t)
    return fallback(t)


def no(t: Turn) -> Reply:
    ask = t.conv.ask
    t.conv.ask = None
    tx = t.texts
    if ask == "screen":
        t.conv.screened = True
        return proceed(t)
    if ask == "which_symptom":
        return _unclear_red_flag(t)
    if ask == "resume":
        t.profile.progress = None
    if ask == "forget":
        question = tx.line("answer.anything_else")
        t.conv.ask = "anything_else"
        return t.ask(Speech(tx.line("forget.kept"), question), question)
    if ask in ("anything_else", None):
        return t.tell(Speech(tx.line("goodbye.plain")), outcome="goodbye")
    question = tx.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return t.ask(Speech(tx.line("answer.okay"), question), question)


def _unclear_red_flag(t: Turn) -> Reply:
    """The user said they have a red-flag symptom but not which: fail safe, then ask again."""
    tx = t.texts
    t.conv.ask = "which_symptom"
    speech = Speech(tx.line("ask.unclear_red_flag"), tx.line("facts.symptom_safety"),
                    tx.line("ask.which_symptom"))
    return t.ask(speech, tx.line("ask.which_symptom_reprompt"), outcome="red flag unclear")


# ---------------------------------------------------------------------- the route table
INTENT = "IntentRequest"
ROUTES = {
    ("LaunchRequest", None): launch,
    ("SessionEndedRequest", None): session_ended,
    ("AlexaSkillEvent.SkillDisabled", None): skill_disabled,
    (INTENT, "CanIExerciseIntent"): can_i_exercise,
    (INTENT, "ReportOnsetIntent"): report_onset,
    (INTENT, "ReportPainIntent"): report_pain,
    (INTENT, "ReportSymptomIntent"): report_symptom,
    (INTENT, "SeeDoctorIntent"): see_doctor,
    (INTENT, "StartStretchIntent"): start_stretch,
    (INTENT, "ListStretchesIntent"): list_stretches,
    (INTENT, "ReliefTipsIntent"): relief_tips,
    (INTENT, "ForgetMeIntent"): forget_me,
    (INTENT, "AMAZON.YesIntent"): yes,
    (INTENT, "AMAZON.NoIntent"): no,
    (INTENT, "AMAZON.NextIntent"): next_,
    (INTENT, "AMAZON.PreviousIntent"): previous,
    (INTENT, "AMAZON.RepeatIntent"): repeat,
    (INTENT, "AMAZON.PauseIntent"): pause,
    (INTENT, "AMAZON.ResumeIntent"): resume,
    (INTENT, "AMAZON.StartOverIntent"): start_over,
    (INTENT, "AMAZON.HelpIntent"): help_,
    (INTENT, "AMAZON.StopIntent"): stop,
    (INTENT, "AMAZON.CancelIntent"): stop,
    (INTENT, "AMAZON.FallbackIntent"): fallback,
    (INTENT, "AMAZON.NavigateHomeIntent"): navigate_home,
}
