"""The interaction model: generated from `skill/voice/data/voice_model.toml` and the rule plugins' data.

SYMPTOM values come from the symptom vocabulary (with the ways users say them as synonyms),
STRETCH values from the stretch catalogue, ACTIVITY values from the activities, so a plugin's
new stretch or symptom reaches the voice model. `backcoach model export` writes one JSON file
per locale; a test fails when the committed files are stale. `problems()` checks a model
against the shapes and rules Alexa expects.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from importlib import resources
from pathlib import Path

from rules import RuleSet

MODEL_DIR = Path("deploy/skill-package/interactionModels/custom")
REQUIRED_BUILT_INS = ("AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent",
                      "AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent")
SAMPLE = re.compile(r"^[a-z' {}A-Z.]+$")
SLOT_REF = re.compile(r"\{([A-Za-z]+)\}")
MAX_SAMPLE_CHARS = 200


@functools.cache
def contract() -> dict:
    """skill/voice/data/voice_model.toml, read once."""
    text = resources.files("skill.voice.data").joinpath("voice_model.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


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


def slot_types(rules: RuleSet) -> list[dict]:
    """SYMPTOM, STRETCH and ACTIVITY from the rule plugins' catalogues."""
    types = {
        "SYMPTOM": [_value(s.id, [s.id, *s.synonyms]) for s in rules.symptoms.values()],
        "STRETCH": [_value(s.id, [s.id, s.name, *s.synonyms]) for s in rules.stretches.values()],
        "ACTIVITY": [_value(a.id, [a.id, a.name, *a.synonyms]) for a in rules.activities.values()],
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
        samples = [*intent.get("samples", []), *intent.get(f"samples_{locale}", [])]
        entry["samples"] = samples
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
                          "types": [*slot_types(rules), *contract_types(locale)]},
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


def problems(model: dict) -> list[str]:
    """What Alexa would reject or warn about in an interaction model (empty when fine)."""
    found: list[str] = []
    lm = model.get("interactionModel", {}).get("languageModel", {})
    if not re.fullmatch(r"[a-z]+( [a-z]+)+", lm.get("invocationName", "")):
        found.append("invocationName must be two or more lower-case words")
    types = {t["name"]: t for t in lm.get("types", [])}
    seen: dict[str, str] = {}
    names = set()
    for intent in lm.get("intents", []):
        name = intent.get("name", "")
        names.add(name)
        slots = {s["name"]: s for s in intent.get("slots", [])}
        for slot in slots.values():
            kind = slot.get("type", "")
            if not kind.startswith("AMAZON.") and kind not in types:
                found.append(f"{name}.{slot['name']}: unknown slot type {kind}")
            for sample in slot.get("samples", []):
                found.extend(_sample_problems(f"{name}.{slot['name']}", sample, slots))
                if f"{{{slot['name']}}}" not in sample and not SLOT_REF.search(sample):
                    found.append(f"{name}.{slot['name']}: slot sample {sample!r} fills no slot")
        for sample in intent.get("samples", []):
            found.extend(_sample_problems(name, sample, slots))
            key = " ".join(sample.lower().split())
            if key in seen:
                found.append(f"sample {sample!r} is in both {seen[key]} and {name}")
            seen[key] = name
        if not name.startswith("AMAZON.") and not intent.get("samples"):
            found.append(f"{name}: a custom intent needs samples")
    found.extend(f"missing required built-in intent {b}" for b in REQUIRED_BUILT_INS if b not in names)
    for kind in types.values():
        found.extend(_type_problems(kind))
    found.extend(_dialog_problems(model, lm))
    return found


def _sample_problems(where: str, sample: str, slots: dict) -> list[str]:
    found = []
    if not sample.strip() or not SAMPLE.match(sample) or re.search(r"\d", sample):
        found.append(f"{where}: sample {sample!r} has characters Alexa does not allow")
    if len(sample) > MAX_SAMPLE_CHARS:
        found.append(f"{where}: sample {sample!r} is too long")
    for ref in SLOT_REF.findall(sample):
        if ref not in slots:
            found.append(f"{where}: sample {sample!r} names unknown slot {ref}")
    if sample.count("{") != sample.count("}"):
        found.append(f"{where}: sample {sample!r} has unbalanced braces")
    return found


def _type_problems(kind: dict) -> list[str]:
    found = []
    ids, words = set(), {}
    for value in kind.get("values", []):
        ident = value.get("id", "")
        if ident in ids:
            found.append(f"{kind['name']}: duplicate id {ident}")
        ids.add(ident)
        for word in [value["name"]["value"], *value["name"].get("synonyms", [])]:
            if not re.fullmatch(r"[a-z' ]+", word):
                found.append(f"{kind['name']}.{ident}: value {word!r} has characters Alexa does not allow")
            if word in words and words[word] != ident:
                found.append(f"{kind['name']}: {word!r} names both {words[word]} and {ident}")
            words[word] = ident
    if not kind.get("values"):
        found.append(f"{kind['name']}: a slot type needs values")
    return found


def _dialog_problems(model: dict, lm: dict) -> list[str]:
    found = []
    intents = {i["name"]: {s["name"] for s in i.get("slots", [])} for i in lm.get("intents", [])}
    prompt_ids = {p["id"] for p in model["interactionModel"].get("prompts", [])}
    for intent in model["interactionModel"].get("dialog", {}).get("intents", []):
        if intent["name"] not in intents:
            found.append(f"dialog names unknown intent {intent['name']}")
            continue
        for slot in intent.get("slots", []):
            if slot["name"] not in intents[intent["name"]]:
                found.append(f"dialog names unknown slot {intent['name']}.{slot['name']}")
            for prompt in slot.get("prompts", {}).values():
                if prompt not in prompt_ids:
                    found.append(f"dialog prompt {prompt} is not defined")
    return found
