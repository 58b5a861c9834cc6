"""Read typed text the way Alexa reads speech: an intent and its slots, from the interaction model.

    from skill.simulator import resolve
    r = resolve("my back went out three days ago", today=date(2026, 11, 22))
    r.intent, r.slots        # "ReportOnsetIntent", {"daysAgo": "3"}

Built only from the generated interaction model (`skill.voice.model.build_model`: sample
utterances, slot samples, custom slot values and synonyms) and what Amazon's own models provide
(builtins.toml: built-in intents, launch phrases, number and date words). In order:

1. the launch phrases ("open back coach") -> a LaunchRequest;
2. whole-utterance matches of every sample, slots captured and checked against their type
   (a number, a date, a value or synonym; a close phrase scores less; an unknown phrase after a
   carrier of two or more words is kept as Alexa does, with ER_SUCCESS_NO_MATCH);
3. a fuzzy match of the utterance, with the values found in it replaced by their type, against
   the samples' templates (rapidfuzz), above a threshold;
4. AMAZON.FallbackIntent with no slots.

After a Dialog.ElicitSlot (`elicit=(intent, slot)`), the slot's own samples are tried too, and
then the whole utterance as the slot's value; they win ties and close calls, as on a device.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from . import envelopes as env
from .amazon_types import DateReader, NumberReader, Span
from .catalogue import Catalogue
from .patterns import Sample, TemplateIndex, compile_sample, markers
from .text import builtins, canonical

NUMBER, DATE = "AMAZON.NUMBER", "AMAZON.DATE"
FALLBACK = "AMAZON.FallbackIntent"
#: Scores (0-1) of the ways to fill a slot or match an utterance.
CLOSE_VALUE_WEIGHT = 0.95    # times rapidfuzz's closeness of a phrase to a value or synonym
UNKNOWN_VALUE = 0.75         # a phrase that is no value of a custom type (ER_SUCCESS_NO_MATCH)
FOUND_INSIDE = 0.75          # elicited: the one number or date inside a longer utterance
FUZZY_WEIGHT = 0.95          # times rapidfuzz's closeness of the utterance to a sample
FUZZY_FLOOR = 0.65           # the least closeness a fuzzy match needs
UNREAD_VALUE_WEIGHT = 0.9    # a fuzzy reading that leaves a custom value in its words
ELICIT_BONUS = 0.1           # what an elicited reading adds when ranking
#: An unknown custom value is kept only after a carrier of this many words, and when this short.
MIN_CARRIER_WORDS = 2
MAX_UNKNOWN_WORDS = 4
#: The most slots a fuzzy reading fills (no sample has more than two).
MAX_SLOTS_READ = 3


@dataclass(frozen=True)
class Filled:
    """A filled slot: `value` as Alexa sends it (digits, an ISO date, or the words heard for a
    custom type) and, for custom types, the resolved value `id` (None: ER_SUCCESS_NO_MATCH)."""

    name: str
    value: str
    type: str
    id: str | None = None

    @property
    def custom(self) -> bool:
        return not self.type.startswith("AMAZON.")


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for an utterance.

    intent: the intent name, or None for a LaunchRequest.
    filled: the filled slots; slot_names: all of the intent's slots (Alexa sends empty ones too).
    confidence: 0-1, how sure the match is; how: "launch", "exact", "fuzzy", "elicited", "fallback".
    sample: the sample utterance that matched, for tracing.
    """

    text: str
    intent: str | None
    filled: tuple[Filled, ...] = ()
    slot_names: tuple[str, ...] = ()
    confidence: float = 0.0
    how: str = "fallback"
    sample: str | None = field(default=None, compare=False)

    @property
    def request_type(self) -> str:
        return "LaunchRequest" if self.intent is None else "IntentRequest"

    @property
    def slots(self) -> dict[str, str]:
        """The filled slots as Alexa resolves them: digits, ISO dates, value ids (else the words)."""
        return {f.name: f.id or f.value for f in self.filled}

    def request_slots(self, skill_id: str = env.SKILL_ID) -> dict[str, dict]:
        """The intent's slots for a request envelope, with entity resolutions for custom types."""
        filled = {f.name: f for f in self.filled}
        slots = {}
        for name in self.slot_names:
            f = filled.get(name)
            if f is None:
                slots[name] = env.slot(name)
            elif f.custom:
                slots[name] = env.slot(name, f.value, resolved_id=f.id, slot_type=f.type,
                                       skill_id=skill_id, no_match=f.id is None)
            else:
                slots[name] = env.slot(name, f.value)
        return slots


@dataclass(frozen=True)
class _Candidate:
    resolution: Resolution
    elicited: bool
    specificity: int

    @property
    def rank(self) -> tuple[float, bool, int]:
        r = self.resolution
        return (r.confidence + (ELICIT_BONUS if self.elicited else 0.0), self.elicited, self.specificity)


class Resolver:
    """The compiled interaction model of one locale; `resolve()` is fast after construction."""

    def __init__(self, model: Mapping) -> None:
        lm = model["interactionModel"]["languageModel"]
        data = builtins()
        invocation = lm["invocationName"]
        self.catalogue = Catalogue(lm.get("types", []), data["normalise"]["function_words"],
                                   data["normalise"]["endings"])
        self.numbers = NumberReader(data["types"][NUMBER])
        self.dates = DateReader(data["types"][DATE])
        self.slot_types: dict[str, dict[str, str]] = {
            i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])} for i in lm["intents"]}
        kinds = {k for slots in self.slot_types.values() for k in slots.values()}
        self.marks = markers(kinds)
        self.samples: list[Sample] = []
        self.slot_samples: dict[tuple[str, str], list[Sample]] = {}
        for intent in lm["intents"]:
            name, types = intent["name"], self.slot_types[intent["name"]]
            own = [t.replace("{invocation}", invocation) for t in data["intents"].get(name, {}).get("samples", [])]
            for text in [*intent.get("samples", []), *own]:
                self.samples.append(compile_sample(name, text, types, self.marks))
            for slot in intent.get("slots", []):
                self.slot_samples[(name, slot["name"])] = [
                    compile_sample(name, text, types, self.marks) for text in slot.get("samples", [])]
        self.index = TemplateIndex(self.samples, FUZZY_FLOOR)
        self.slot_index = {key: TemplateIndex(samples, FUZZY_FLOOR) for key, samples in self.slot_samples.items()}
        launch = data["launch"]
        self.launch = frozenset(canonical(p.replace("{invocation}", invocation)) for p in launch["samples"])
        self.one_shot = sorted((canonical(p.replace("{invocation}", invocation)) for p in launch["one_shot"]),
                               key=len, reverse=True)
        self.leading = sorted(map(canonical, data["normalise"]["leading"]), key=len, reverse=True)
        self.trailing = sorted(map(canonical, data["normalise"]["trailing"]), key=len, reverse=True)

    @staticmethod
    @functools.cache
    def for_locale(locale: str) -> Resolver:
        """The resolver of the default rule set's model for `locale`, built once per locale."""
        from rules import default_rules
        from skill.voice.model import build_model
        return Resolver(build_model(default_rules(), locale))

    # ------------------------------------------------------------------ resolving
    def resolve(self, text: str, today: date | None = None,
                elicit: tuple[str, str] | None = None) -> Resolution:
        """The intent and slots Alexa would send for `text` (see the module docstring)."""
        today = today or date.today()
        forms = self._forms(canonical(text))
        if any(form in self.launch for form in forms):
            return Resolution(text, None, confidence=1.0, how="launch", sample=forms[0])
        if elicit is not None and elicit not in self.slot_samples:
            elicit = None
        candidates: list[_Candidate] = []
        for form in forms:
            candidates.extend(self._exact(text, form, today, self.samples, elicited=False))
            if elicit is not None:
                candidates.extend(self._exact(text, form, today, self.slot_samples[elicit], elicited=True))
                candidates.extend(self._whole_value(text, form, today, elicit))
        if not any(c.resolution.confidence >= 1.0 for c in candidates):
            candidates.extend(self._fuzzy(text, forms[-1], today, self.index, elicited=False))
            if elicit is not None:
                candidates.extend(self._fuzzy(text, forms[-1], today, self.slot_index[elicit], elicited=True))
        if not candidates:
            return Resolution(text, FALLBACK, slot_names=self._names(FALLBACK))
        return max(candidates, key=lambda c: c.rank).resolution

    def _forms(self, said: str) -> list[str]:
        """`said`, then without a one-shot launch phrase, then without filler words and repeats."""
        forms = [said]
        for prefix in self.one_shot:
            if said.startswith(prefix + " "):
                forms.append(said[len(prefix) + 1:])
                break
        stripped = _REPEATED.sub(r"\1", _strip(forms[-1], self.leading, self.trailing))
        if stripped and stripped != forms[-1]:
            forms.append(stripped)
        return forms

    def _names(self, intent: str) -> tuple[str, ...]:
        return tuple(self.slot_types.get(intent, {}))

    def _exact(self, text: str, form: str, today: date, samples: Iterable[Sample], *,
               elicited: bool) -> Iterable[_Candidate]:
        for sample in samples:
            match = sample.regex.fullmatch(form)
            if match is None:
                continue
            filled, score = self._fill(sample, match.groups(), today)
            if filled is not None:
                yield self._candidate(text, sample, filled, score, "elicited" if elicited else "exact", elicited)

    def _fill(self, sample: Sample, phrases: Iterable[str], today: date) -> tuple[tuple[Filled, ...] | None, float]:
        """Check each captured phrase against its slot's type; None when one is no value of it."""
        filled, score = [], 1.0
        for name, kind, phrase in zip(sample.slots, sample.types, phrases):
            value, ident, quality = self._value(kind, phrase, today, carrier=sample.literal_words)
            if value is None:
                return None, 0.0
            filled.append(Filled(name, value, kind, ident))
            score = min(score, quality)
        return tuple(filled), score

    def _value(self, kind: str, phrase: str, today: date, carrier: int) -> tuple[str | None, str | None, float]:
        """(value, id, score) of `phrase` as a value of slot type `kind`; value None when it is not one."""
        if kind == NUMBER:
            return self.numbers.read(phrase), None, 1.0
        if kind == DATE:
            return self.dates.read(phrase, today), None, 1.0
        match = self.catalogue.lookup(kind, phrase)
        if match.id is not None:
            return match.phrase, match.id, 1.0 if match.score >= 1.0 else CLOSE_VALUE_WEIGHT * match.score
        if match.close or (carrier >= MIN_CARRIER_WORDS and len(phrase.split()) <= MAX_UNKNOWN_WORDS):
            return phrase, None, UNKNOWN_VALUE
        return None, None, 0.0

    def _whole_value(self, text: str, form: str, today: date, elicit: tuple[str, str]) -> Iterable[_Candidate]:
        """The whole utterance as the elicited slot's value (or the one number or date inside it)."""
        intent, slot = elicit
        kind = self.slot_types[intent][slot]
        value, ident, score = self._value(kind, form, today, carrier=MIN_CARRIER_WORDS)
        if value is None and kind in (NUMBER, DATE):
            inside = self._spans(kind, form, today)
            if len(inside) == 1:
                value, score = inside[0].value, FOUND_INSIDE
        if value is not None:
            filled = (Filled(slot, value, kind, ident),)
            yield _Candidate(Resolution(text, intent, filled, self._names(intent), round(score, 3),
                                        "elicited", f"{{{slot}}}"), True, 0)

    def _spans(self, kind: str, form: str, today: date) -> list[Span]:
        return self.numbers.find(form) if kind == NUMBER else self.dates.find(form, today)

    def _fuzzy(self, text: str, form: str, today: date, index: TemplateIndex, *,
               elicited: bool) -> Iterable[_Candidate]:
        """The closest sample template to each reading of `form` with its values replaced by their type."""
        for template, values, unread in self._readings(form, today):
            group = index.get(tuple(kind for kind, _, _ in values))
            if group is None:
                continue
            best = group.closest(template)
            if best is None:
                continue
            sample, closeness = best
            filled = tuple(Filled(name, value, kind, ident)
                           for name, (kind, value, ident) in zip(sample.slots, values))
            weight = FUZZY_WEIGHT * (UNREAD_VALUE_WEIGHT if unread else 1.0)
            yield self._candidate(text, sample, filled, weight * closeness,
                                  "elicited" if elicited else "fuzzy", elicited)

    def _readings(self, form: str, today: date) -> Iterable[tuple[str, list[tuple[str, str, str | None]], bool]]:
        """`form` with each set of the (non-overlapping) custom values, numbers and dates in it
        replaced by their type's marker: (template, [(type, value, id), ...] in order, whether a
        custom value was left as words)."""
        spans = [(f.start, f.end, f.type, form[f.start:f.end], f.id) for f in self.catalogue.find(form)]
        spans += [(s.start, s.end, DATE, s.value, None) for s in self.dates.find(form, today)]
        spans += [(s.start, s.end, NUMBER, s.value, None) for s in self.numbers.find(form)]
        seen = set()
        for size in range(min(len(spans), MAX_SLOTS_READ) + 1):
            for chosen in itertools.combinations(spans, size):
                chosen = sorted(chosen)
                if any(a[1] > b[0] for a, b in itertools.pairwise(chosen)):
                    continue  # overlapping spans: one phrase read two ways
                pieces, values, at = [], [], 0
                for start, end, kind, value, ident in chosen:
                    pieces.extend((form[at:start], self.marks[kind]))
                    values.append((kind, value, ident))
                    at = end
                pieces.append(form[at:])
                template = " ".join("".join(pieces).split())
                if template not in seen:
                    seen.add(template)
                    unread = any(s[2] not in (NUMBER, DATE) and all(s[1] <= c[0] or s[0] >= c[1] for c in chosen)
                                 for s in spans)
                    yield template, values, unread

    def _candidate(self, text: str, sample: Sample, filled: tuple[Filled, ...], score: float, how: str,
                   elicited: bool) -> _Candidate:
        resolution = Resolution(text, sample.intent, filled, self._names(sample.intent),
                                round(score, 3), how, sample.text)
        return _Candidate(resolution, elicited, sample.literal_words)


_REPEATED = re.compile(r"\b([a-z']+)(?: \1\b)+")  # "stop stop stop" -> "stop"


def _strip(form: str, leading: list[str], trailing: list[str]) -> str:
    """`form` without filler words at either end."""
    changed = True
    while changed and form:
        changed = False
        for word in leading:
            if form.startswith(word + " "):
                form, changed = form[len(word) + 1:], True
        for word in trailing:
            if form.endswith(" " + word):
                form, changed = form[:-len(word) - 1], True
    return form


def resolve(text: str, locale: str = "en-US", today: date | None = None, *,
            model: Mapping | None = None, elicit: tuple[str, str] | None = None) -> Resolution:
    """Resolve `text` with the default rule set's model for `locale` (cached), or with `model`.

    :param today: the day relative dates are read from (default: the system's today).
    :param elicit: (intent, slot) when the skill just sent Dialog.ElicitSlot for that slot.
    """
    resolver = Resolver(model) if model is not None else Resolver.for_locale(locale)
    return resolver.resolve(text, today, elicit)
