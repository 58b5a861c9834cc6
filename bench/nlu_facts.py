"""What a resolution means, in the label set of the understanding evaluation (docs/voice-contract.md).

The evaluation labels facts as meanings (``onset_days: 6``, ``pain: 7``, ``symptom:
saddle_numbness``); the resolver sends what Alexa sends (an ISO date, digits, a value id). The
slots are read here with the skill's own readers (`skill.dialog.slots`), so "Friday" sent as the
coming Friday counts as 3 days ago exactly when the skill would take it so.
"""

from __future__ import annotations

from datetime import date

from skill.dialog import schedule
from skill.dialog import slots as readers
from skill.simulator import Resolution

#: Reference date of every relative date in tests/data/nlu_eval (a Monday).
TODAY = date(2026, 11, 23)
LAUNCH = "LaunchRequest"
#: What a context of the evaluation tells the resolver: the slot the skill elicited.
ELICITED = {
    "asked_onset": ("CanIExerciseIntent", "onsetDate"),
    "asked_pain": ("CanIExerciseIntent", "painLevel"),
}
#: An answer to an elicited slot comes back as the elicited intent, and the skill takes it as
#: these intents: the facts it carries are what counts.
ANSWER_INTENTS = frozenset({"ReportOnsetIntent", "ReportPainIntent"})
RED_FLAG_CLASSES = frozenset({"red_flag", "red_flag_at_question", "emergency_help"})


def _number(raw: str) -> object:
    parsed = readers.number(raw)
    return parsed.value if parsed.ok else raw


def _onset(slots: dict[str, str], today: date) -> object:
    if "onsetDate" in slots:
        parsed = readers.onset_date(slots["onsetDate"], today)
    elif "daysAgo" in slots:
        parsed = readers.days_ago(slots["daysAgo"], today)
    else:
        return None
    if parsed.ok:
        return (today - parsed.value).days
    if parsed.problem == "vague":
        return "vague"
    return slots.get("onsetDate") or slots.get("daysAgo")


def _reminder(r: Resolution, today: date) -> dict[str, object]:
    """SetReminderIntent's slots read as the skill reads them (`skill.dialog.schedule`): a clock
    time ("19:30", the part of the day said moving "7:30" into the evening), else the part of the
    day; how often; for a one-off, the day as days from today."""
    filled = {f.name: f for f in r.filled}
    time, repeat, day = (filled.get(name) for name in ("reminderTime", "reminderRepeat", "reminderDay"))
    if time is None and repeat is None and day is None:
        return {}
    facts: dict[str, object] = {}
    often, part = schedule._repeat((repeat.value, repeat.id) if repeat else None)
    clock, time_part = schedule._time(time.value if time else None)
    if often:
        facts["reminder_repeat"] = often
    asked = schedule.read(time.value if time else None, (repeat.value, repeat.id) if repeat else None,
                          day.value if day else None, today)
    if clock is not None and asked.plan is not None:
        facts["reminder_time"] = f"{asked.plan.hour:02d}:{asked.plan.minute:02d}"
    elif time_part or part:
        facts["reminder_time"] = time_part or part
    if asked.plan is not None and asked.plan.day is not None and (asked.plan.repeat == "once" or day):
        facts["reminder_day"] = (asked.plan.day - today).days
    return facts


#: Slot name -> (fact, reader of the value as sent).
SLOT_FACTS = {
    "painLevel": ("pain", _number),
    "age": ("age", _number),
    "symptom": ("symptom", str),
    "activity": ("activity", str),
    "stretch": ("stretch", str),
}


def facts_of(r: Resolution, today: date = TODAY) -> dict[str, object]:
    """The facts a resolution carries, as the evaluation labels them."""
    slots = r.slots
    facts: dict[str, object] = {}
    onset = _onset(slots, today)
    if onset is not None:
        facts["onset_days"] = onset
    for name, value in slots.items():
        if name in SLOT_FACTS:
            fact, read = SLOT_FACTS[name]
            facts[fact] = read(value)
    return {**facts, **_reminder(r, today)}


def intent_of(r: Resolution) -> str:
    return LAUNCH if r.intent is None else r.intent


def intent_right(r: Resolution, expected: str, elicit: tuple[str, str] | None) -> bool:
    """The intent is the labelled one, or the answer to the elicited slot where a fact was labelled."""
    got = intent_of(r)
    if got == expected:
        return True
    return elicit is not None and got == elicit[0] and expected in ANSWER_INTENTS


def labelled(facts: dict | None) -> dict[str, object]:
    """The labelled facts, with numbers as ints and words as strings."""
    return {k: (v if isinstance(v, int) else str(v)) for k, v in (facts or {}).items()}
