"""Spoken answers built from an assessment: triage, "can I exercise?", "should I see a doctor?", tips.

Pure functions: they take the locale's texts, the rule set's catalogues and an assessment, and
return speech; they never change conversation state (the dialog decides what happens). The
wording of what each tier tells the user to do belongs to the host (`skill/voice/locales`);
what is fine today, what to avoid and when the next step opens come from the plugins' data.
"""

from __future__ import annotations

from rules import CARE_TIERS, Answer, Assessment, RuleSet

from .ssml import Speech
from .texts import Texts, join


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def is_care(a: Assessment) -> bool:
    """The answer is about getting care, not about exercise."""
    return a.tier in CARE_TIERS or a.fail_closed


def care_speech(tx: Texts, rules: RuleSet, a: Assessment) -> Speech:
    """The action first, then why: emergency, the number and go now; urgent, see a doctor today
    (and when to call the emergency number instead); fail-closed, get advice today."""
    if a.fail_closed and not a.red_flags:
        return Speech(*tx.lines("tier.fail_closed"))
    speech = Speech(*tx.lines(f"tier.{'emergency' if a.tier == 'emergency' else 'urgent'}"))
    reasons = [rules.symptoms[f.rule].label for f in a.red_flags if f.rule in rules.symptoms]
    if reasons:
        speech.say(tx.line("tier.because", reasons=join(list(dict.fromkeys(reasons)))))
    if a.tier != "emergency":
        speech.say(tx.line("tier.urgent_escalate"))
    return speech


def see_doctor_reasons(tx: Texts, rules: RuleSet, a: Assessment) -> list[str]:
    """Why the tier is see_doctor, in the user's words."""
    reasons: list[str] = []
    for finding in a.findings:
        if finding.tier != "see_doctor":
            continue
        symptom = rules.symptoms.get(finding.rule)
        if symptom is not None:
            reason = symptom.label
        elif a.case.pain is not None and a.case.pain >= 7:
            reason = tx.line("tier.pain_severe")
        else:
            reason = tx.line("tier.pain_lasting")
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def tier_advice(tx: Texts, rules: RuleSet, a: Assessment) -> Speech:
    """For see_doctor: book an appointment, and why; nothing otherwise."""
    speech = Speech()
    if a.tier == "see_doctor":
        speech.say(*tx.lines("tier.see_doctor"))
        reasons = see_doctor_reasons(tx, rules, a)
        if reasons:
            speech.say(tx.line("tier.see_doctor_because", reasons=join(reasons)))
    return speech


def exercise_answer(tx: Texts, rules: RuleSet, a: Assessment) -> Speech:
    """What is fine today, what to avoid, when the next step (or the asked activity) opens."""
    speech = tier_advice(tx, rules, a)
    verdict = a.activity
    if verdict is not None:
        name = verdict.activity.name
        if verdict.allowed:
            speech.say(tx.line("answer.activity_yes", activity=name))
        else:
            speech.say(tx.line("answer.activity_not_yet", activity=capital(name)))
            opens = _opening(tx, a, verdict.opens_on_day, verdict.max_pain, "activity_opens")
            if opens:
                speech.say(opens)
    speech.say(tx.line("answer.today"), rules.levels[a.max_activity].summary)
    avoid = [tx.line(f"avoid_items.{item}") for item in a.avoid if item != "waiting to see"]
    if avoid:
        speech.say(tx.line("answer.avoid", items=join(avoid)))
    step = a.next_step
    if step is not None:
        line = _opening(tx, a, step.day, step.max_pain, "next", adds=step.adds)
        if line:
            speech.say(line)
    return speech


def _opening(tx: Texts, a: Assessment, day: int | None, max_pain: int | None, prefix: str, **values) -> str:
    """ "In about a week ...", "Once your pain is down to 3 ...", both, or "" when neither is the blocker."""
    days = a.case.days_since_onset
    pain = a.case.pain
    day_blocks = day is not None and days is not None and days < day
    pain_blocks = max_pain is not None and pain is not None and pain > max_pain
    key = "both" if day_blocks and pain_blocks else "day" if day_blocks else "pain" if pain_blocks else ""
    if not key:
        return ""
    when = when_phrase(tx, day - days) if day_blocks else ""
    if pain_blocks and max_pain == 0:  # "once your pain has gone", not "once your pain is 0 or less"
        key += "_gone"
    return tx.line(f"answer.{prefix}_{key}", when=when, When=capital(when), pain=max_pain, **values)


def when_phrase(tx: Texts, days_ahead: int) -> str:
    """How far away a day is: "tomorrow", "in 3 days", "in about a week", "in about 3 weeks"."""
    if days_ahead <= 1:
        return tx.line("when.tomorrow")
    if days_ahead <= 5:
        return tx.line("when.days", n=days_ahead)
    if days_ahead <= 9:
        return tx.line("when.week")
    return tx.line("when.weeks", n=max(2, round(days_ahead / 7)))


def doctor_answer(tx: Texts, rules: RuleSet, a: Assessment) -> Speech:
    """ "Should I see a doctor?" for a case without red flags."""
    speech = tier_advice(tx, rules, a)
    if a.tier == "self_care":
        speech.say(tx.line("tier.self_care"))
    return speech.say(*tx.advice(rules, "when_to_see_doctor"))


def safety_net(tx: Texts, rules: RuleSet) -> Speech:
    """The red flags to watch for (the dialog says it once per conversation)."""
    return Speech(*tx.advice(rules, "safety_net"))


def topic_answer(tx: Texts, answer: Answer, a: Assessment) -> Speech:
    """An everyday question's answer: the lines that apply to today's assessment, in the locale's words."""
    return Speech(*(tx.fill(line.say) for line in answer.lines_today(a)))
