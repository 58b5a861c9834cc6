"""The interaction model: generated from `skill/voice/data/voice_model.toml` and the rule plugins' data.

The intents, their slots, the dialog prompts and their first samples come from
voice_model.toml; more ways of saying each intent, per locale, from phrasings.toml. SYMPTOM
values come from the symptom vocabulary (with the ways users say them as synonyms), STRETCH
values from the stretch catalogue, ACTIVITY values from the activities, so a plugin's new
stretch or symptom reaches the voice model; synonyms.toml adds everyday words for them, some in
every locale and some in one ("loo" in en-GB, "motions" in en-IN). `backcoach model export`
writes one JSON file per locale; a test fails when the committed files are stale.
`problems()` (`skill.voice.checks`) checks a model against the shapes and rules Alexa expects.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from importlib import resources
from pathlib import Path

from rules import RuleSet

from .checks import problems

__all__ = ["MODEL_DIR", "build_model", "contract", "export", "problems", "render"]

MODEL_DIR = Path("deploy/skill-package/interactionModels/custom")


def _data(name: str) -> dict:
    text = resources.files("skill.voice.data").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def contract() -> dict:
    """skill/voice/data/voice_model.toml, read once."""
    return _data("voice_model.toml")


@functools.cache
def phrasings() -> dict:
    """skill/voice/data/phrasings.toml, read once: more samples per intent and locale."""
    return _data("phrasings.toml")


@functools.cache
def synonyms() -> dict:
    """skill/voice/data/synonyms.toml, read once: more synonyms per slot value and locale."""
    return _data("synonyms.toml")


def topics() -> dict[str, str]:
    """Intent name -> the everyday-question topic it asks about (``topic`` in the voice model)."""
    return {name: intent["topic"] for name, intent in contract()["intents"].items() if "topic" in intent}


def spoken(text: str) -> str:
    """A slot value as Alexa wants it: lower-case words (numbers spelt out), apostrophes, no symbols."""
    text = text.lower().replace("_", " ").replace("-", " ").replace("’", "'")
    text = re.sub(r"\d+", lambda m: number_words(int(m.group())), text)
    return " ".join(re.sub(r"[^a-z' ]+", " ", text).split())


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0-99 in words ("fifty", "twenty one"); larger numbers digit by digit."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    return " ".join(_ONES[int(d)] for d in str(n))


def _value(ident: str, names: list[str]) -> dict:
    words = []
    for name in names:
        word = spoken(name)
        if word and word not in words:
            words.append(word)
    return {"id": ident, "name": {"value": words[0], "synonyms": words[1:]}}


def slot_types(rules: RuleSet, locale: str = "en-US") -> list[dict]:
    """SYMPTOM, STRETCH and ACTIVITY from the rule plugins' catalogues, with synonyms.toml's
    words for every locale and for `locale`."""
    more = synonyms()

    def extra(kind: str, ident: str) -> list[str]:
        words = more.get(kind, {}).get(ident, {})
        return [*words.get("all", ()), *words.get(locale, ())]

    types = {
        "SYMPTOM": [_value(s.id, [s.id, *s.synonyms, *extra("SYMPTOM", s.id)]) for s in rules.symptoms.values()],
        "STRETCH": [_value(s.id, [s.id, s.name, *s.synonyms, *extra("STRETCH", s.id)])
                    for s in rules.stretches.values()],
        "ACTIVITY": [_value(a.id, [a.id, a.name, *a.synonyms, *extra("ACTIVITY", a.id)])
                     for a in rules.activities.values()],
    }
    return [{"name": name, "values": _dedupe(values)} for name, values in types.items()]


def _dedupe(values: list[dict]) -> list[dict]:
    """Drop synonyms that another value already claims (first claim wins)."""
    taken = {v["name"]["value"] for v in values}
    for value in values:
        kept = []
        for synonym in value["name"]["synonyms"]:
            if synonym not in taken:
                kept.append(synonym)
                taken.add(synonym)
        value["name"]["synonyms"] = kept
    return values


def contract_types(locale: str) -> list[dict]:
    """Slot types the voice contract itself defines (``[types.NAME]``: values with an id, a value,
    synonyms, and ``synonyms_<locale>`` for one locale's own words)."""
    types = []
    for name, kind in contract().get("types", {}).items():
        values = [_value(v["id"], [v["value"], *v.get("synonyms", []), *v.get(f"synonyms_{locale}", [])])
                  for v in kind["values"]]
        types.append({"name": name, "values": _dedupe(values)})
    return types


def build_model(rules: RuleSet, locale: str) -> dict:
    """The interaction model of one locale."""
    spec = contract()
    intents, dialog_intents, prompts = [], [], []
    for name, intent in spec["intents"].items():
        slots = intent.get("slots", {})
        slot_samples = intent.get("slot_samples", {})
        entry: dict = {"name": name}
        if slots:
            entry["slots"] = [
                {"name": slot, "type": kind, **({"samples": slot_samples[slot]} if slot in slot_samples else {})}
                for slot, kind in slots.items()]
        more = phrasings().get("intents", {}).get(name, {})
        samples = [*intent.get("samples", []), *intent.get(f"samples_{locale}", []),
                   *more.get("samples", []), *more.get(f"samples_{locale}", [])]
        entry["samples"] = list(dict.fromkeys(samples))
        intents.append(entry)
        prompted = [slot for slot in slots if f"{name}.{slot}" in spec.get("prompts", {})]
        if prompted:
            dialog_intents.append({
                "name": name, "confirmationRequired": False, "prompts": {},
                "slots": [{"name": slot, "type": slots[slot], "confirmationRequired": False,
                           "elicitationRequired": False,
                           "prompts": {"elicitation": f"Elicit.Slot.{name}.{slot}"}} for slot in prompted]})
            prompts.extend({"id": f"Elicit.Slot.{name}.{slot}",
                            "variations": [{"type": "PlainText", "value": spec["prompts"][f"{name}.{slot}"]}]}
                           for slot in prompted)
    return {"interactionModel": {
        "languageModel": {"invocationName": spec["invocation"], "intents": intents,
                          "types": [*slot_types(rules, locale), *contract_types(locale)]},
        "dialog": {"intents": dialog_intents, "delegationStrategy": "SKILL_RESPONSE"},
        "prompts": prompts,
    }}


def render(model: dict) -> str:
    """The JSON text of a model file (stable, so committed files diff cleanly)."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def export(rules: RuleSet, directory: Path = MODEL_DIR) -> list[Path]:
    """Write every locale's model into `directory`. :raises ValueError: when a model is invalid."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in contract()["locales"]:
        model = build_model(rules, locale)
        found = problems(model)
        if found:
            raise ValueError(f"{locale} interaction model is invalid: " + "; ".join(found[:10]))
        path = directory / f"{locale}.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written
