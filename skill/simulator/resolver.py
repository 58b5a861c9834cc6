"""Read typed text the way Alexa reads speech: an intent and its slots, from the interaction model.

    from skill.simulator import resolve
    r = resolve("my back went out three days ago", today=date(2026, 11, 22))
    r.intent, r.slots        # "ReportOnsetIntent", {"daysAgo": "3"}

Built only from the generated interaction model of the locale (`skill.voice.model.build_model`)
and what Amazon's own models provide (builtins.toml: built-in intents' phrases, launch phrases,
number and date words), with the models of `skill.simulator.nlu` trained from them. In order:

1. the launch phrases ("open back coach") -> a LaunchRequest; a one-shot request ("ask back
   coach if ...") is read without its launch phrase; a sample utterance said word for word is
   its intent (the model checker keeps any symptom's words out of other intents' samples);
2. the red-flag spotter, on the whole utterance in every state: an emergency ("call an
   ambulance", "call 911") -> EmergencyHelpIntent; a symptom -> ReportSymptomIntent with the
   symptom, and the pain, onset and age also said (unless the whole utterance is one question
   about something else that the classifier is surer of: "can i have sex with my back like this");
3. after a Dialog.ElicitSlot (`elicit=(intent, slot)`): an utterance that carries a value for
   the slot and is not plainly another request -> the elicited intent with that value (and the
   other facts said);
4. the intent classifier: the most probable intent, its slots filled from the values found in
   the utterance (`nlu.slotfill`); AMAZON.FallbackIntent when it is not sure enough, when too
   few of the words are ones it knows, or when the utterance is a long ramble.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from . import envelopes as env
from .amazon_types import DateReader, NumberReader, TimeReader
from .catalogue import Catalogue
from .nlu.examples import training_jobs
from .nlu.features import Featurizer, language
from .nlu.shape import Shape
from .nlu.slotfill import Cues, Fact, bare_value, facts
from .nlu.spotter import Spotted, Spotter
from .nlu.trained import load_or_train
from .text import builtins, canonical

FALLBACK = "AMAZON.FallbackIntent"
WAKE_WORDS = frozenset({"alexa", "hey alexa"})
#: Symptoms an age said in numbers stands for (the skill derives them from the age).
AGE_SYMPTOMS = frozenset({"age_over_50"})
EMERGENCY = "EmergencyHelpIntent"
SYMPTOM_INTENT = "ReportSymptomIntent"
#: Intents that only report facts, and the slots of their own fact: the intent is the one whose
#: fact is said first ("it started friday and it's a 7": onset; "7, since friday": pain).
FACT_INTENTS = {"ReportOnsetIntent": ("onsetDate", "daysAgo"), "ReportPainIntent": ("painLevel",)}
#: What the classifier may say of an answer to an elicited slot and it is still read as one.
ANSWERS = frozenset({*FACT_INTENTS, "CanIExerciseIntent", SYMPTOM_INTENT, FALLBACK})
#: Intents whose reading never outranks a red flag the spotter heard.
NOT_QUESTIONS = frozenset({*FACT_INTENTS, SYMPTOM_INTENT, FALLBACK, EMERGENCY})
#: A spotted window this share of the utterance is the utterance itself.
WHOLE_SHARE = 0.75
#: The classifier's least confidence, the least share of known words, and the longest utterance.
CONFIDENCE_FLOOR = 0.25
#: A built-in intent ("yes", "next", "hold on") is said in a few words: in a longer utterance the
#: classifier must be surer of it.
SHORT_WORDS = 6
LONG_BUILT_IN_FLOOR = 0.4
KNOWN_FLOOR = 0.5
MAX_WORDS = 45
#: Characters read at most (a longer text is cut).
MAX_CHARS = 4000
#: Past this many words, an utterance with fewer than this share of different words is babble.
BABBLE_WORDS = 20
BABBLE_VARIETY = 0.2
#: Above this the classifier's reading of another intent beats an elicited value.
OTHER_INTENT_OVER_ANSWER = 0.8
STOP = "AMAZON.StopIntent"
#: Built-in intents that leave a question the skill asked: their samples said word for word win
#: while a slot is elicited too ("help", "stop" are no answer, and "help" alone asks for help).
LEAVING = frozenset({"AMAZON.HelpIntent", STOP, "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"})
ANSWER_WORDS = frozenset({"AMAZON.YesIntent", "AMAZON.NoIntent"})
#: Intents that ask something and may carry the facts said around the question; a clause read as
#: one of them this surely makes a multi-fact utterance that question ("it's been a week, pain's
#: a 3, can I go for a bike ride").
NOT_ASKING = frozenset({*FACT_INTENTS, SYMPTOM_INTENT, EMERGENCY, "ItHurtsIntent", FALLBACK})
CLAUSE_QUESTION_FLOOR = 0.6
#: A question read first as "yes" or "no" is its best other reading, when that is at least this probable.
LEAST_LEFT = 0.1


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
    confidence: 0-1, how sure the reading is; how: "launch", "exact" (a sample word for word),
    "red flag", "elicited", "classifier" or "fallback".
    sample: what decided it, for tracing (the sample, or the part of the utterance that named a
    red flag).
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


class Resolver:
    """The understanding of one interaction model; `resolve()` is fast after construction
    (which trains the models, or loads them from the cache)."""

    def __init__(self, model: Mapping) -> None:
        lm = model["interactionModel"]["languageModel"]
        data = builtins()
        invocation = lm["invocationName"]
        self.catalogue = Catalogue(lm.get("types", []), data["normalise"]["function_words"],
                                   data["normalise"]["endings"], data["normalise"].get("inflected", ()))
        self.numbers = NumberReader(data["types"]["AMAZON.NUMBER"])
        self.dates = DateReader(data["types"]["AMAZON.DATE"])
        self.times = TimeReader(data["types"]["AMAZON.TIME"])
        self.featurizer = Featurizer(self.catalogue, self.numbers, self.dates)
        self.trained = load_or_train(model, data, self.featurizer, lambda: training_jobs(model, data))
        self.spotter = Spotter(self.trained.spotter, self.featurizer)
        self.cues = Cues()
        self.shape = Shape()
        self.slot_types: dict[str, dict[str, str]] = {
            i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])} for i in lm["intents"]}
        self.exact: dict[str, str] = {}
        for intent in lm["intents"]:
            own = data["intents"].get(intent["name"], {}).get("samples", [])
            for sample in [*intent.get("samples", []), *own]:
                if "{" not in sample:
                    self.exact.setdefault(canonical(sample.replace("{invocation}", invocation)), intent["name"])
        self.carriers = sorted({canonical(s.split("{symptom}")[0]) for s in _samples(lm, SYMPTOM_INTENT)
                                if s.endswith("{symptom}") and s.count("{") == 1} - {""}, key=len, reverse=True)
        launch = data["launch"]
        self.launch = frozenset(canonical(p.replace("{invocation}", invocation)) for p in launch["samples"])
        self.one_shot = sorted((canonical(p.replace("{invocation}", invocation)) for p in launch["one_shot"]),
                               key=len, reverse=True)
        self.leading = sorted(map(canonical, data["normalise"]["leading"]), key=len, reverse=True)
        self.hesitations = frozenset(language()["fillers"].get("hesitations", ()))

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
        raw = (text or "")[:MAX_CHARS]
        whole = canonical(raw)
        # A sample word for word keeps its first word even when that is a filler ("uh huh" is a yes).
        said = whole if whole in self.exact else _strip_leading(whole, self.leading)
        if not said or set(said.split()) <= self.hesitations:  # "hmm... uh..." says nothing
            return self._fallback(text)
        if said in self.launch:
            return Resolution(text, None, confidence=1.0, how="launch", sample=said)
        prefix = next((p for p in self.one_shot if said.startswith(p + " ") or said == p), None)
        if prefix is not None:
            said = _strip_leading(said[len(prefix):].strip(), self.leading)
            raw = _drop_words(raw, prefix)
            if not said:
                return Resolution(text, None, confidence=1.0, how="launch", sample=prefix)
        if elicit is not None and elicit[0] not in self.slot_types:
            elicit = None
        if _babble(said):
            return self._fallback(text)
        if said in self.exact and (elicit is None or self.exact[said] in LEAVING):
            # a sample word for word: the model checker keeps symptom words out of other intents' samples
            intent = self.exact[said]
            return Resolution(text, intent, (), self._names(intent), 1.0, "exact", said)
        spotted = self.spotter.spot(raw)
        long = len(said.split()) > MAX_WORDS
        ranked = None if long else self.trained.intents.rank(*self.featurizer.views([said]))[0]
        if spotted is not None and not (ranked is not None and _a_question(ranked, spotted, said)
                                        and self.shape.question(raw)):
            return self._red_flag(text, said, spotted, today, elicit[1] if elicit else None)
        if ranked is None:
            return self._fallback(text)
        if STOP in self.slot_types and self.shape.closing(said):
            return Resolution(text, STOP, (), self._names(STOP), 1.0, "closing", said)
        if elicit is not None:
            answer = self._answer(text, said, today, elicit, ranked)
            if answer is not None:
                return answer
        best, confidence = self._asked_in_a_clause(raw, ranked, said) or _not_an_answer(ranked, self.shape, raw)
        if best == FALLBACK or confidence < _floor(best, said) or ranked.known < KNOWN_FLOOR:
            return self._fallback(text, confidence)
        return self._classified(text, said, today, best, confidence)

    def _asked_in_a_clause(self, raw: str, ranked, said: str) -> tuple[str, float] | None:
        """When the whole utterance reads as facts only, as a built-in intent ("forget that, what's
        good for easing it", "cheers, can I go for a run") or as nothing sure, the question one of
        its clauses asks, read surely enough: (intent, confidence), else None."""
        if ranked.best not in NOT_ASKING and not ranked.best.startswith("AMAZON.") \
                and ranked.confidence >= _floor(ranked.best, said):
            return None
        clauses = [c for c in self.shape.clauses(raw) if len(c.split()) >= 2]
        if len(clauses) < 2:
            return None
        read = self.trained.intents.rank(*self.featurizer.views(clauses))
        asked = [(r.best, r.confidence) for r in read
                 if r.best not in NOT_ASKING and not r.best.startswith("AMAZON.")
                 and r.confidence >= CLAUSE_QUESTION_FLOOR and r.known >= KNOWN_FLOOR]
        return max(asked, key=lambda a: a[1], default=None)

    def _names(self, intent: str) -> tuple[str, ...]:
        return tuple(self.slot_types.get(intent, {}))

    def _fallback(self, text: str, confidence: float = 0.0) -> Resolution:
        return Resolution(text, FALLBACK, slot_names=self._names(FALLBACK), confidence=round(confidence, 3))

    def _resolution(self, text: str, intent: str, found: Mapping[str, Fact], confidence: float, how: str,
                    sample: str | None = None, extra: tuple[Filled, ...] = ()) -> Resolution:
        types = self.slot_types.get(intent, {})
        filled = tuple(Filled(name, f.value, types[name], f.id) for name, f in found.items() if name in types)
        return Resolution(text, intent, (*extra, *filled), self._names(intent), round(confidence, 3), how, sample)

    def _red_flag(self, text: str, said: str, spotted: Spotted, today: date, elicited: str | None) -> Resolution:
        """An emergency, or ReportSymptomIntent with the symptom and the other facts said."""
        if spotted.emergency or SYMPTOM_INTENT not in self.slot_types:
            intent = EMERGENCY if EMERGENCY in self.slot_types else FALLBACK
            return Resolution(text, intent, (), self._names(intent), round(spotted.probability, 3), "red flag",
                              spotted.window)
        types = self.slot_types[SYMPTOM_INTENT]
        found = facts(said, self.featurizer.spans(said, today, types.values()), types, today, self.cues, elicited=elicited,
                      strict=True, custom=False, symptom=True)
        implied = "age" in found and spotted.label in AGE_SYMPTOMS  # "i'm 74": the skill reads the age itself
        symptom = () if implied else tuple(Filled(name, spotted.window, kind, spotted.label)
                                           for name, kind in types.items() if kind == "SYMPTOM")[:1]
        return self._resolution(text, SYMPTOM_INTENT, found, spotted.probability, "red flag", spotted.window, symptom)

    def _answer(self, text: str, said: str, today: date, elicit: tuple[str, str], ranked):
        """The elicited intent with the slot's value, when the utterance answers the question."""
        intent, slot = elicit
        types = self.slot_types[intent]
        spans = self.featurizer.spans(said, today, types.values())
        found = facts(said, spans, types, today, self.cues, elicited=slot, custom=False)
        wanted = ("onsetDate", "daysAgo") if slot in ("onsetDate", "daysAgo") else (slot,)
        if not any(name in found for name in wanted):
            return None
        if ranked.best not in ANSWERS and ranked.confidence > OTHER_INTENT_OVER_ANSWER \
                and not bare_value(said, spans, self.cues):
            return None
        return self._resolution(text, intent, found, max(ranked.confidence, 0.75), "elicited")

    def _classified(self, text: str, said: str, today: date, intent: str, confidence: float) -> Resolution:
        types = self.slot_types.get(intent, {})
        spans = self.featurizer.spans(said, today, types.values())
        if intent in FACT_INTENTS:
            either = {name: kind for i in (*FACT_INTENTS, SYMPTOM_INTENT) for name, kind in
                      self.slot_types.get(i, {}).items() if kind.startswith("AMAZON.")}
            found = facts(said, spans, either, today, self.cues)
            first = min(found.values(), key=lambda f: f.start, default=None)
            if "age" in found and SYMPTOM_INTENT in self.slot_types:
                intent = SYMPTOM_INTENT  # "i'm 64 and it went on sunday": the age is the news
            elif first is not None:
                intent = next((i for i, own in FACT_INTENTS.items() if first.slot in own), intent)
            return self._resolution(text, intent, found, confidence, "classifier")
        times = self.times.find(said) if "AMAZON.TIME" in types.values() else []
        found = facts(said, spans, types, today, self.cues, strict=intent not in FACT_INTENTS, times=times)
        extra: tuple[Filled, ...] = ()
        if "symptom" in types and "symptom" not in found and "age" not in found:
            phrase = _after_carrier(said, self.carriers)
            extra = (Filled("symptom", phrase, types["symptom"], None),) if phrase else ()
        return self._resolution(text, intent, found, confidence, "classifier", extra=extra)


def _a_question(ranked, spotted: Spotted, said: str) -> bool:
    """The whole utterance is one question about something else ("can i have sex with my back
    like this"), read with more confidence than the symptom the spotter hears in it: the
    question wins. A symptom said in a clause of its own ("can i have sex, i can't get it up")
    always wins, and so does an emergency."""
    if spotted.emergency or ranked.best in NOT_QUESTIONS or ranked.best.startswith("AMAZON."):
        return False
    covers = len(spotted.window.split()) >= WHOLE_SHARE * len(said.split())
    return covers and ranked.confidence > spotted.probability


def _not_an_answer(ranked, shape: Shape, raw: str) -> tuple[str, float]:
    """The classifier's reading; but a question ("is cycling a no-no") is no "yes" or "no": then
    its best reading that is neither."""
    if ranked.best in ANSWER_WORDS and shape.question(raw):
        rest = 1.0 - sum(p for label, p in zip(ranked.labels, ranked.probabilities) if label in ANSWER_WORDS)
        label, p = next(((label, p) for label, p in zip(ranked.labels, ranked.probabilities)
                         if label not in ANSWER_WORDS), (FALLBACK, 0.0))
        # how sure of it among the readings left ("is cycling a no-no": the "no" was never one)
        return (label, p / rest) if p >= LEAST_LEFT and rest > 0 else (label, p)
    return ranked.best, ranked.confidence


def _floor(intent: str, said: str) -> float:
    """The least confidence for the classifier's reading `intent` of `said` to count."""
    if intent.startswith("AMAZON.") and len(said.split()) > SHORT_WORDS:
        return LONG_BUILT_IN_FLOOR
    return CONFIDENCE_FLOOR


def _babble(said: str) -> bool:
    """Many words with few different ones ("a a a a ...", a few words shuffled over and over):
    noise, not speech."""
    words = said.split()
    return len(words) > BABBLE_WORDS and len(set(words)) < BABBLE_VARIETY * len(words)


def _samples(lm: Mapping, intent: str) -> list[str]:
    return next((i.get("samples", []) for i in lm["intents"] if i["name"] == intent), [])


def _strip_leading(said: str, leading: list[str]) -> str:
    """`said` without the wake word and fillers at its start ("alexa", "um", "okay so"), as long
    as words are left ("okay" alone stays "okay"; "alexa" alone is nothing)."""
    changed = True
    while changed and said:
        changed = False
        for word in leading:
            if said == word:
                return "" if word in WAKE_WORDS else said
            if said.startswith(word + " "):
                said, changed = said[len(word) + 1:], True
    return said


def _drop_words(raw: str, prefix: str) -> str:
    """`raw` without the words of `prefix` (canonical) at its start, punctuation between them allowed."""
    words = [re.escape(w) for w in prefix.split()]
    pattern = r"^\W*(?:(?:alexa|hey alexa|um|uh|so|okay|ok)\W+)*" + r"\W+".join(words) + r"\b\W*"
    return re.sub(pattern, "", raw, count=1, flags=re.IGNORECASE)


def _after_carrier(said: str, carriers: list[str]) -> str:
    """The words after the longest symptom carrier ("i have a sore toe" -> "a sore toe")."""
    for carrier in carriers:
        if said.startswith(carrier + " "):
            return said[len(carrier) + 1:]
    return said


def resolve(text: str, locale: str = "en-US", today: date | None = None, *,
            model: Mapping | None = None, elicit: tuple[str, str] | None = None) -> Resolution:
    """Resolve `text` with the default rule set's model for `locale` (cached), or with `model`.

    :param today: the day relative dates are read from (default: the system's today).
    :param elicit: (intent, slot) when the skill just sent Dialog.ElicitSlot for that slot.
    """
    resolver = _for_model(model) if model is not None else Resolver.for_locale(locale)
    return resolver.resolve(text, today, elicit)


def _for_model(model: Mapping) -> Resolver:
    """A resolver of an explicit model (trained once per model content, through the disk cache)."""
    return Resolver(model)
