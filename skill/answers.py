"""Spoken answers built from an assessment: triage, "can I exercise?", "should I see a doctor?".

The wording of what each tier tells the user to do belongs to the host (skill/locales); what is
fine today, what to avoid and when the next step opens come from the plugins' data.
"""

from __future__ import annotations

from rules import CARE_TIERS, Assessment

from .speech import Speech
from .turn import Reply, Turn


def join(items: list[str], word: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def is_care(a: Assessment) -> bool:
    """The answer is about getting care, not about exercise."""
    return a.tier in CARE_TIERS or a.fail_closed


def care_reply(t: Turn, a: Assessment, before: Speech | None = None) -> Reply:
    """Emergency: the number and go now, session ends. Urgent or fail-closed: see a doctor today."""
    tx = t.texts
    speech = Speech().extend(before) if before else Speech()
    t.conv.routine = None
    t.conv.goal = None
    t.conv.ask = None
    t.profile.progress = None  # no stretching until the user has been seen
    if a.tier == "emergency":
        speech.say(*tx.lines("tier.emergency"))
        return t.tell(speech, card=(tx.line("card.emergency_title"), speech.text), outcome="emergency")
    speech.say(*tx.lines("tier.urgent" if a.red_flags else "tier.fail_closed"))
    question = tx.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return t.ask(speech.say(question), question, card=(tx.line("card.urgent_title"), speech.text),
                 outcome="urgent" if not a.fail_closed else "fail_closed")


def see_doctor_reasons(t: Turn, a: Assessment) -> list[str]:
    """Why the tier is see_doctor, in the user's words."""
    reasons: list[str] = []
    for finding in a.findings:
        if finding.tier != "see_doctor":
            continue
        symptom = t.rules.symptoms.get(finding.rule)
        if symptom is not None:
            reason = symptom.label
        elif a.case.pain is not None and a.case.pain >= 7:
            reason = t.texts.line("tier.pain_severe")
        else:
            reason = t.texts.line("tier.pain_lasting")
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def tier_advice(t: Turn, a: Assessment, speech: Speech) -> Speech:
    """For see_doctor: book an appointment, and why."""
    if a.tier == "see_doctor":
        speech.say(*t.texts.lines("tier.see_doctor"))
        reasons = see_doctor_reasons(t, a)
        if reasons:
            speech.say(t.texts.line("tier.see_doctor_because", reasons=join(reasons)))
    return speech


def exercise_answer(t: Turn, a: Assessment) -> Speech:
    """What is fine today, what to avoid, when the next step (or the asked activity) opens."""
    return safety_net(t, Speech().extend(_remembered(t, a, _exercise_core)))


#: Answers built from an assessment, by (texts, assessment) identity. A rule set hands out the
#: same Assessment object for the same case, and an answer depends on nothing else.
_ANSWERS: dict[tuple[int, int, int], tuple] = {}
MAX_REMEMBERED = 4096


def _remembered(t: Turn, a: Assessment, build) -> Speech:
    """`build(t, a)`, built once per locale and assessment (callers copy it, never change it)."""
    key = (id(t.texts), id(a), id(build))
    hit = _ANSWERS.get(key)
    if hit is not None and hit[0] is t.texts and hit[1] is a:
        return hit[2]
    speech = build(t, a)
    if len(_ANSWERS) >= MAX_REMEMBERED:
        _ANSWERS.clear()
    _ANSWERS[key] = (t.texts, a, speech)
    return speech


def _exercise_core(t: Turn, a: Assessment) -> Speech:
    tx = t.texts
    speech = tier_advice(t, a, Speech())
    verdict = a.activity
    if verdict is not None:
        name = verdict.activity.name
        if verdict.allowed:
            speech.say(tx.line("answer.activity_yes", activity=name))
        else:
            speech.say(tx.line("answer.activity_not_yet", activity=capital(name)))
            opens = _opening(t, a, verdict.opens_on_day, verdict.max_pain, "activity_opens")
            if opens:
                speech.say(opens)
    speech.say(tx.line("answer.today"), t.rules.levels[a.max_activity].summary)
    avoid = [tx.line(f"avoid_items.{item}") for item in a.avoid if item != "waiting to see"]
    if avoid:
        speech.say(tx.line("answer.avoid", items=join(avoid)))
    step = a.next_step
    if step is not None:
        line = _opening(t, a, step.day, step.max_pain, "next", adds=step.adds)
        if line:
            speech.say(line)
    return speech


def _opening(t: Turn, a: Assessment, day: int | None, max_pain: int | None, prefix: str, **values) -> str:
    """ "From day 8 ...", "Once your pain is down to 3 ...", both, or "" when neither is the blocker."""
    days = a.case.days_since_onset
    pain = a.case.pain
    day_blocks = day is not None and days is not None and days < day
    pain_blocks = max_pain is not None and pain is not None and pain > max_pain
    key = "both" if day_blocks and pain_blocks else "day" if day_blocks else "pain" if pain_blocks else ""
    if not key:
        return ""
    return t.texts.line(f"answer.{prefix}_{key}", day=day, pain=max_pain, **values)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def doctor_answer(t: Turn, a: Assessment) -> Speech:
    """ "Should I see a doctor?" for a case without red flags."""
    speech = tier_advice(t, a, Speech())
    if a.tier == "self_care":
        speech.say(t.texts.line("tier.self_care"))
    for advice in t.rules.advice_of("when_to_see_doctor"):
        speech.say(*advice.say)
    return safety_net(t, speech)


def safety_net(t: Turn, speech: Speech) -> Speech:
    """The red flags to watch for, once per conversation."""
    if t.conv.flag("safety_net"):
        return speech
    t.conv.set_flag("safety_net")
    for advice in t.rules.advice_of("safety_net"):
        speech.say(*(line.format(emergency_number=t.texts.place["emergency_spoken"]) for line in advice.say))
    return speech
