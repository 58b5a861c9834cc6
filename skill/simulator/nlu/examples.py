"""Training examples from an interaction model: its samples with the slots filled, as people say them.

The intent classifier's examples also come in their variations (`variations`: interchangeable
words swapped, a tail added to questions).

Every sample utterance of every intent (and the built-in intents' usual phrases of
``builtins.toml``) becomes one example, or several when it has slots: each slot is filled with
a value of its type in turn (custom types: every value and synonym gets used; numbers: a range
per slot; dates and other built-in types: phrases of language.toml ``[fill]``). The random
choices come from a seeded generator, so the same model always gives the same examples.

The red-flag spotter's examples: each symptom's value and synonyms, alone and inside carrier
phrases, under the symptom's id; the emergency intent's samples under ``EMERGENCY``; everything
else under ``NONE``.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping

from ..text import canonical
from .features import EMERGENCY, NONE, language
from .variations import varied

FALLBACK = "AMAZON.FallbackIntent"
EMERGENCY_INTENT = "EmergencyHelpIntent"
SYMPTOM_TYPE = "SYMPTOM"
#: Slot types whose values the spotter learns as NONE.
NOT_SYMPTOM_TYPES = frozenset({"ACTIVITY", "STRETCH"})
#: Filled copies of a sample with slots; carrier phrases each symptom phrase is put in.
COPIES = 3
CARRIED = 3
_SLOT = re.compile(r"\{([A-Za-z]+)\}")


class Filler:
    """Slot values to fill samples with, taken in turn so that every one gets used."""

    def __init__(self, types: list[dict], seed: int = 13) -> None:
        self.rng = random.Random(seed)
        fill = language()["fill"]
        self.ranges: dict[str, list[int]] = fill["numbers"]
        self.phrases: dict[str, list[str]] = fill["phrases"]
        self.custom: dict[str, list[str]] = {}
        for kind in types:
            words = [w for v in kind["values"] for w in (v["name"]["value"], *v["name"].get("synonyms", ()))]
            self.rng.shuffle(words)
            self.custom[kind["name"]] = words
        self._cycles: dict[str, Iterator[str]] = {}

    def value(self, slot: str, kind: str) -> str:
        if kind == "AMAZON.NUMBER":
            low, high = self.ranges.get(slot, self.ranges["default"])
            return str(self.rng.randint(low, high))
        pool = self.custom.get(kind) or self.phrases.get(kind) or ["something"]
        if kind not in self._cycles:
            self._cycles[kind] = itertools.cycle(pool)
        return next(self._cycles[kind])

    def fill(self, sample: str, slot_types: Mapping[str, str]) -> str:
        return _SLOT.sub(lambda m: self.value(m.group(1), slot_types.get(m.group(1), "")), sample)


def _filled(sample: str, slot_types: Mapping[str, str], filler: Filler) -> list[str]:
    if not _SLOT.search(sample):
        return [canonical(sample)]
    return list(dict.fromkeys(canonical(filler.fill(sample, slot_types)) for _ in range(COPIES)))


def _samples(model: Mapping, builtins: Mapping) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(intent, sample, slot types) of the model's intents and the built-in intents' phrases."""
    lm = model["interactionModel"]["languageModel"]
    invocation = lm["invocationName"]
    for intent in lm["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        own = builtins["intents"].get(intent["name"], {}).get("samples", [])
        for sample in [*intent.get("samples", []), *own]:
            yield intent["name"], sample.replace("{invocation}", invocation), types


def intent_examples(model: Mapping, builtins: Mapping, seed: int = 13) -> list[tuple[str, str]]:
    """(canonical text, intent) pairs; out-of-domain talk under AMAZON.FallbackIntent."""
    filler = Filler(model["interactionModel"]["languageModel"].get("types", []), seed)
    filled = [(text, intent) for intent, sample, types in _samples(model, builtins)
              for text in _filled(sample, types, filler)]
    examples = varied(filled, language().get("variations", {}))
    examples += [(canonical(text), FALLBACK) for text in language()["fallback"]["phrases"]]
    return [(text, intent) for text, intent in dict.fromkeys(examples) if text]


#: What one model learns from: (text, label) examples, whether custom values are replaced by their
#: type in its word view, and how its labels are weighed (`TextClassifier`).
Job = tuple[list[tuple[str, str]], bool, str]


def training_jobs(model: Mapping, builtins: Mapping) -> list[Job]:
    """The intent classifier's and the spotter's examples. The spotter's NONE has far more
    examples than any symptom: weighing every label the same made it hear symptoms in small
    talk, so its labels are weighed half way ("sqrt")."""
    return [(intent_examples(model, builtins), True, "balanced"), (spotter_examples(model, builtins), False, "sqrt")]


def spotter_examples(model: Mapping, builtins: Mapping, seed: int = 17) -> list[tuple[str, str]]:
    """(canonical text, symptom id | EMERGENCY | NONE) pairs."""
    lm = model["interactionModel"]["languageModel"]
    filler = Filler(lm.get("types", []), seed)
    rng = random.Random(seed)
    carriers = [c for c in language()["spotter"]["carriers"]]
    symptom_slots = {(i["name"], s["name"]) for i in lm["intents"] for s in i.get("slots", [])
                     if s["type"] == SYMPTOM_TYPE}
    examples: list[tuple[str, str]] = []
    with_symptom: list[tuple[str, dict[str, str], str]] = []
    for intent, sample, types in _samples(model, builtins):
        slots = _SLOT.findall(sample)
        symptom = next((s for s in slots if (intent, s) in symptom_slots), None)
        if symptom is not None:
            with_symptom.append((sample, types, symptom))
            continue
        label = EMERGENCY if intent == EMERGENCY_INTENT else NONE
        examples += [(text, label) for text in _filled(sample, types, filler)]
    examples += [(canonical(text), NONE) for text in (*language()["fallback"]["phrases"],
                                                       *language()["spotter"]["none"])]
    for day in language()["fill"]["phrases"]["AMAZON.DATE"]:  # "thursday night" is a day, not night pain
        examples += [(canonical(text.format(day)), NONE) for text in ("{}", "it was {}", "it started {}")]
    for kind in lm.get("types", []):  # an activity or a stretch ("sweeping", "the breathing one") is no symptom
        if kind["name"] in NOT_SYMPTOM_TYPES:
            examples += [(canonical(p), NONE) for v in kind["values"]
                         for p in (v["name"]["value"], *v["name"].get("synonyms", ()))]
    for kind in lm.get("types", []):
        if kind["name"] != SYMPTOM_TYPE:
            continue
        for value in kind["values"]:
            for phrase in (value["name"]["value"], *value["name"].get("synonyms", ())):
                said = canonical(phrase)
                examples.append((said, value["id"]))
                for carrier in rng.sample(carriers, CARRIED):
                    examples.append((canonical(carrier.format(said)), value["id"]))
                if with_symptom:
                    sample, types, slot = rng.choice(with_symptom)
                    text = filler.fill(sample.replace("{" + slot + "}", phrase), types)
                    examples.append((canonical(text), value["id"]))
    return [(text, label) for text, label in dict.fromkeys(examples) if text]
