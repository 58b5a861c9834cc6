"""Which values in an utterance are which facts: the onset, the pain score, the age, an activity, a stretch.

The values are found anywhere in the utterance (`Featurizer.spans`); the words around each say
which fact it is (language.toml ``[cues]``):

* a date is the onset unless it lies ahead ("tomorrow", "next week"), or it is today's ("today",
  "tonight", "this weekend") and no word such as "started" or "since" comes before it; "N days
  ago" (and "since N days", "for N days") is a number of days;
* a number is an age after "i'm" or before "years old"; a pain score from 0 to 10 next to "out
  of ten", "it's a", "about", "pain is" ... or when the utterance is little more than the
  number; any other number ("ten minutes", "six kilos") is no fact;
* when a value is said twice with "no", "sorry", "wait" or "actually" between ("Friday, no,
  Thursday"), the last one counts; otherwise the first;
* custom values (activities, stretches) are the values and synonyms said word for word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .features import Span, language

DATE, NUMBER, TIME = "AMAZON.DATE", "AMAZON.NUMBER", "AMAZON.TIME"
#: A number of days said as such: the daysAgo slot.
_DAYS = re.compile(r"^(?:.* )?(\d+|a|an|one|two|a couple of|a couple|couple of|a few|few) days?(?: .*)?$")
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
           "few": 3}
#: A number of days or weeks ago too large to be a date.
_UNREADABLE_AGO = re.compile(r" (days?|weeks?) (?:ago|back)\b")
#: Asked when it started, "10 days" (or "3 weeks") is as many days ago.
_DAYS_SAID = re.compile(r" (days?|weeks?)\b")
#: A date said as a count of days or weeks ("it's been two weeks", "a week ago") says when the back
#: went by itself, wherever it stands (outside a symptom report).
_DURATION = re.compile(r"\b(?:\d+|a|an|one|two|few|couple|couple of) (?:days?|weeks?|fortnights?)\b")
#: A pain score said after the word pain, level or score, with a qualifier or two between
#: ("pain is only 2", "the pain's down to a 1").
_PAIN_WORD = re.compile(r"\b(?:pain|level|score)(?:'s| is| was| of| at)?(?: (?:about|like|around|only|still|just|maybe|"
                        r"probably|now|down to|up to|sitting at|roughly|at least|a|an))* $")
#: Words between a cue and the number it cues ("it is only 2", "pain's still about a 3").
_QUALIFIERS = re.compile(r"(?:\s(?:only|just|still|about|around|like|maybe|probably|roughly|now|a|an))+\s*$")
#: "one" after "the", "this", "that" ... is a pronoun ("the chest pain one"), not a pain score.
_PRONOUN_ONE = re.compile(r"\b(?:the|this|that|which|other|another|each|every)"
                          r"(?: (?!(?:a|an|is|was|about|like|around|maybe|probably|only|still|just)\b)[a-z']+){0,3} $")
#: A value that names a day (not a week, weekend, month or season).
_A_DAY = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|PRESENT_REF)$")
#: Today's dates: the onset only after an onset word.
_PRESENT = re.compile(r"^(?:PRESENT_REF|\d{4}-W\d{2}-WE)$")
#: A number said as a temperature ("a temp of 38", "fever was about 39"): never a pain score or an age.
_TEMPERATURE = re.compile(r"\b(?:fever|temperature|temp|thermometer|temperature's|temp's|fever's)"
                          r"(?: (?:of|is|was|about|around|like|at|reading|reads|read|says|said|showed|shows|over|above|"
                          r"nearly|almost|a|an|high|up|to|hit|hitting))*\s*$")
#: Body temperatures in degrees Celsius.
_BODY_HEAT = re.compile(r"3[5-9]|4[0-2]")
#: After a date, words that make it the day the back went ("friday and that's when it started").
_ONSET_AFTER = re.compile(r"\s+(?:and )?(?:that's|that is|which is|is|was) when (?:it|this|the pain|my back|all this|the trouble)"
                          r"|\s+(?:and |when |that )?(?:it|this|the pain|my back) (?:all )?(?:started|began|kicked off|went)\b")
#: Words (besides fillers) an utterance may have and still be "just a number".
_BARE_EXTRA = 2
MAX_PAIN = 10
#: The slots this module reads by their cue words; other number and date slots take what is left.
KNOWN_SLOTS = frozenset({"onsetDate", "daysAgo", "painLevel", "age"})
AGES = range(1, 121)


@dataclass(frozen=True)
class Fact:
    """A fact found in an utterance: the slot it fills, the value as Alexa sends it, where it was."""

    slot: str
    value: str
    start: int
    kind: str
    id: str | None = None


class Cues:
    """The cue phrases of language.toml, compiled."""

    def __init__(self) -> None:
        data = language()
        cues = data["cues"]
        self.pain_before = _ends(cues["pain"]["before"])
        self.pain_after = _starts(cues["pain"]["after"])
        self.not_pain = _starts(cues["pain"]["not_after"])
        self.age_before = _ends(cues["age"]["before"])
        self.age_after = _starts(cues["age"]["after"])
        self.onset = _anywhere(cues["onset"]["words"])
        self.symptom_onset = _anywhere(w for w in cues["onset"]["words"] if w not in cues["onset"]["not_for_symptoms"])
        self.corrections = _anywhere(data["clauses"]["corrections"])
        self.fillers = frozenset(data["fillers"]["words"])


def _ends(phrases: Iterable[str]) -> re.Pattern:
    return re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\s*$")


def _starts(phrases: Iterable[str]) -> re.Pattern:
    return re.compile(r"^\s*(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b")


def _anywhere(phrases: Iterable[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b")


def _pick(found: list[Fact], text: str, cues: Cues) -> Fact | None:
    """The first fact, or the last when a correction word lies between them; a day named after a
    week, a month or a season ("on the weekend, Saturday") says which day it was."""
    if not found:
        return None
    days = [f for f in found if f.kind != DATE or _A_DAY.match(f.value)]
    if days and len(days) < len(found) and found[0] not in days:
        found = days
    first, last = found[0], found[-1]
    if first is not last and cues.corrections.search(text, first.start, last.start):
        return last
    return first


def onset_facts(text: str, spans: list[Span], today: date, cues: Cues, *, asked: bool,
                strict: bool = False, symptom: bool = False) -> list[Fact]:
    """The dates of `spans` that say when the back went (see the module docstring).

    :param asked: the onset was just asked for: any date that is not ahead is the answer.
    :param strict: the intent is a question or a symptom ("can I run, I fell last night"): a date
        is the onset only after an onset word or at the start of the utterance.
    :param symptom: a symptom report: "since" and the like date the symptom, not the back.
    """
    onset_words = cues.symptom_onset if symptom else cues.onset
    found = []
    opening = _opening(text, cues)
    for span in spans:
        if span.kind == NUMBER:
            ago = (_DAYS_SAID if asked else _UNREADABLE_AGO).match(text, span.end)
            if ago and span.value.isdigit():  # "99999999999 weeks ago"; asked when it started: "10 days"
                days = int(span.value) * (7 if ago.group(1).startswith("week") else 1)
                found.append(Fact("daysAgo", str(days), span.start, NUMBER))
            continue
        if span.kind != DATE:
            continue
        phrase = text[span.start:span.end]
        days = _DAYS.match(phrase)
        if days is not None:
            count = days.group(1)
            found.append(Fact("daysAgo", str(_COUNTS.get(count, count)), span.start, NUMBER))
            continue
        if _ahead(span.value, phrase, today) or _long_ago(span.value, today):
            continue
        before = text[max(0, span.start - 40):span.start]
        cued = bool(onset_words.search(before)) or (not symptom and bool(_DURATION.search(phrase))) \
            or bool(_ONSET_AFTER.match(text, span.end))
        if span.value == "PRESENT_REF" and not asked and (symptom or not onset_words.search(" ".join(before.split()[-3:]))):
            continue  # "now" is the onset only right after "started", "happened" ...; a symptom's "now" is the symptom's
        present = _PRESENT.match(span.value) or span.value == today.isoformat()
        if not asked and not cued and (present or (strict and span.start > opening)):
            continue
        found.append(Fact("onsetDate", span.value, span.start, DATE))
    return found


def _opening(text: str, cues: Cues) -> int:
    """Where the first word that is not a filler starts: a value there opens the utterance."""
    at = 0
    for word in text.split():
        if word not in cues.fillers:
            return at
        at += len(word) + 1
    return at


def _ahead(value: str, phrase: str, today: date) -> bool:
    """A day to come that Alexa did not resolve forward by itself (a weekday or a date without a
    year, which the skill reads as the past): "tomorrow", "next week", "next month"."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        ahead = date.fromisoformat(value) > today
        return ahead and any(w in phrase.split() for w in ("tomorrow", "next", "after", "coming"))
    if re.fullmatch(r"\d{4}-W\d{2}(?:-WE)?", value):
        year, week = int(value[:4]), int(value[6:8])
        return (year, week) > today.isocalendar()[:2]
    if re.fullmatch(r"\d{4}-\d{2}", value):  # "in october" is said of the past; "next month" is ahead
        forward = any(w in phrase.split() for w in ("next", "coming"))
        return forward and value > f"{today.year:04d}-{today.month:02d}"
    return False


def _long_ago(value: str, today: date) -> bool:
    """A year, or a month more than three months back: a history ("cancer 8 years ago"), not an onset."""
    if re.fullmatch(r"\d{4}", value):
        return True
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return (today.year * 12 + today.month) - (int(value[:4]) * 12 + int(value[5:])) > 3
    return False


def number_facts(text: str, spans: list[Span], cues: Cues, *, asked_pain: bool) -> list[Fact]:
    """The numbers of `spans` that are a pain score or an age (see the module docstring)."""
    found = []
    skip_ten = set()
    for span in spans:
        if span.kind == NUMBER and re.search(r"\bout of\s*$", text[:span.start]):
            skip_ten.add(span.start)  # the "10" of "6 out of 10"
    bare = _bare(text, spans, cues)
    opening = _opening(text, cues)
    for span in spans:
        if span.kind != NUMBER or span.start in skip_ten:
            continue
        value = _int(span.value)
        if value is None:
            continue
        before, after = text[max(0, span.start - 30):span.start], text[span.end:span.end + 20]
        cue = _QUALIFIERS.sub(" ", before)  # "it is only 2": the cue is "it is"
        if _TEMPERATURE.search(before) or _a_decimal(text, spans, span):
            continue  # "a temp of 38 and a half", "a fever, 38 5": a temperature, no pain score or age
        if value in AGES and (cues.age_before.search(before) or cues.age_after.search(after)) \
                and not re.match(r"\s*(?:out of|ish)\b", after):
            found.append(Fact("age", str(value), span.start, NUMBER))
        elif cues.not_pain.search(after) or re.match(r"\s*am\b(?! i\b)", after):
            continue  # "6 kilos", "10 minutes", "7 am"
        elif text[span.start:span.end] == "one" and _PRONOUN_ONE.search(before):
            continue  # "the chest pain one"
        elif (asked_pain and bare) or (0 <= value <= MAX_PAIN and (bare or asked_pain or span.start == opening
                                         or cues.pain_before.search(before) or cues.pain_before.search(cue)
                                         or cues.pain_after.search(after))) \
                or _PAIN_WORD.search(before):
            found.append(Fact("painLevel", str(value), span.start, NUMBER))
    return found


def _a_decimal(text: str, spans: list[Span], span: Span) -> bool:
    """The tenths of a temperature: the "5" of "a fever, 38 5" (said "thirty-eight five") or of
    "38 point 5"."""
    earlier = [s for s in spans if s.kind == NUMBER and s.end <= span.start]
    if not earlier or len(span.value) != 1:
        return False
    heat = earlier[-1]
    return _BODY_HEAT.fullmatch(heat.value) is not None and text[heat.end:span.start].strip() in ("", "point") \
        and bool(_TEMPERATURE.search(text[max(0, heat.start - 30):heat.start]))


def _int(value: str) -> int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _bare(text: str, spans: list[Span], cues: Cues, kinds: tuple[str, ...] = (NUMBER,)) -> bool:
    """The utterance is one number (or date, with `kinds`) and a few other words ("eh, 4 ish",
    "6 please", "yesterday i think")."""
    values = [s for s in spans if s.kind in kinds]
    if len(values) != 1:
        return False
    rest = (text[:values[0].start] + " " + text[values[0].end:]).split()
    return len([w for w in rest if w not in cues.fillers]) <= _BARE_EXTRA


def bare_value(text: str, spans: list[Span], cues: Cues) -> bool:
    """The utterance is just a number or a date, give or take a filler word or two."""
    return _bare(text, spans, cues, (NUMBER, DATE))


def custom_facts(spans: list[Span], slot_types: Mapping[str, str]) -> list[Fact]:
    """Custom values said word for word, for the slots of their type."""
    by_type = {kind: name for name, kind in slot_types.items() if not kind.startswith("AMAZON.")}
    return [Fact(by_type[s.kind], s.value, s.start, s.kind, s.id) for s in spans if s.kind in by_type]


def time_facts(times: list[Span], spans: list[Span], slot_types: Mapping[str, str]) -> dict[str, Fact]:
    """An AMAZON.TIME slot: the first clock time, else the first part of the day, that is not
    part of a custom value ("every evening" is a repeat, not a time)."""
    taken = [s for s in spans if not s.kind.startswith("AMAZON.")]
    free = [t for t in times if all(t.end <= s.start or t.start >= s.end for s in taken)]
    clock = [t for t in free if ":" in t.value] or free
    return {name: Fact(name, clock[0].value, clock[0].start, TIME)
            for name, kind in slot_types.items() if kind == TIME and clock}


def facts(text: str, spans: list[Span], slot_types: Mapping[str, str], today: date, cues: Cues, *,
          elicited: str | None = None, strict: bool = False, custom: bool = True,
          times: list[Span] = (), symptom: bool = False) -> dict[str, Fact]:
    """The facts of `text` for an intent with `slot_types` (name -> type), by slot name.

    :param elicited: the slot the skill just asked for, if any (its answer may be a bare value).
    :param strict: dates need an onset word (see `onset_facts`).
    :param custom: also custom values (activities, stretches).
    :param times: the times in `text` (`TimeReader.find`), for AMAZON.TIME slots.
    :param symptom: a symptom report (see `onset_facts`).
    """
    asked = elicited in ("onsetDate", "daysAgo")
    onset = _pick(onset_facts(text, spans, today, cues, asked=asked, strict=strict, symptom=symptom), text, cues)
    numbers = number_facts(text, spans, cues, asked_pain=elicited == "painLevel")
    pain = [f for f in numbers if f.slot == "painLevel"]
    chosen: dict[str, Fact] = {}
    if onset is not None:
        if onset.slot not in slot_types and "onsetDate" in slot_types and onset.slot == "daysAgo":
            onset = None  # an intent without daysAgo: Alexa would hear "N days ago" as a date
        if onset is not None and onset.slot in slot_types:
            chosen[onset.slot] = onset
    if pain and "painLevel" in slot_types:
        chosen["painLevel"] = pain[-1] if len(pain) > 1 else pain[0]
    age = next((f for f in numbers if f.slot == "age"), None)
    if age is not None and "age" in slot_types:
        chosen["age"] = age
    for fact in custom_facts(spans, slot_types) if custom else ():
        chosen.setdefault(fact.slot, fact)
    return {**chosen, **time_facts(list(times), spans, slot_types), **_other_slots(spans, slot_types, chosen)}


def _other_slots(spans: list[Span], slot_types: Mapping[str, str], chosen: Mapping[str, Fact]) -> dict[str, Fact]:
    """A model's own number and date slots (not the onset, pain or age): the first number or date
    not taken ("i want two cuppa" -> count 2)."""
    used = {f.start for f in chosen.values()}
    found = {}
    for name, kind in slot_types.items():
        if name in KNOWN_SLOTS or name in chosen or kind not in (NUMBER, DATE):
            continue
        span = next((s for s in spans if s.kind == kind and s.start not in used), None)
        if span is not None:
            found[name] = Fact(name, span.value, span.start, kind)
            used.add(span.start)
    return found
