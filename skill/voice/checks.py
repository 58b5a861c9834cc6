"""What Alexa's model build rejects or warns about, checked before a model is written.

From ../shared/alexa-platform.md, section 13, and Amazon's pages cited there: invocation name,
sample characters (lower-case words, apostrophes, periods; no digits) and length, slots named
by samples, the required built-in intents, custom types with values, unique ids, value
characters and length (140 characters per value or synonym), one value per word across a type,
the dialog's prompts; no sample in two intents, also when one is another's slot sample filled
with a value of its type ("it's getting worse" in one intent while another has "{symptom}" and
"it's getting worse" is a SYMPTOM synonym: Alexa cannot tell which the user meant); at most 250
intents, 350 intents and slot types together, and 1.5 MB for the whole model.
"""

from __future__ import annotations

import json
import re

REQUIRED_BUILT_INS = ("AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent",
                      "AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent")
SAMPLE = re.compile(r"^[a-z' {}A-Z.]+$")
SLOT_REF = re.compile(r"\{([A-Za-z]+)\}")
MAX_SAMPLE_CHARS = 200
MAX_VALUE_CHARS = 140
MAX_INTENTS = 250
MAX_INTENTS_AND_TYPES = 350
MAX_MODEL_BYTES = 1_500_000


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
    found.extend(_filled_duplicates(lm, types))
    found.extend(_size_problems(model, lm))
    return found


def _size_problems(model: dict, lm: dict) -> list[str]:
    found = []
    intents, types = len(lm.get("intents", [])), len(lm.get("types", []))
    if intents > MAX_INTENTS:
        found.append(f"{intents} intents: Alexa allows {MAX_INTENTS}")
    if intents + types > MAX_INTENTS_AND_TYPES:
        found.append(f"{intents} intents and {types} slot types: Alexa allows {MAX_INTENTS_AND_TYPES} together")
    size = len(json.dumps(model, ensure_ascii=False).encode())
    if size > MAX_MODEL_BYTES:
        found.append(f"the model is {size} bytes: Alexa allows {MAX_MODEL_BYTES}")
    return found


def _filled_duplicates(lm: dict, types: dict) -> list[str]:
    """A plain sample of one intent that is another intent's sample with one custom slot filled
    by a value or synonym of that slot's type."""
    words = {name: {w for v in kind.get("values", []) for w in (v["name"]["value"], *v["name"].get("synonyms", []))}
             for name, kind in types.items()}
    plain = [(i["name"], s) for i in lm.get("intents", []) for s in i.get("samples", []) if "{" not in s]
    found = []
    for intent in lm.get("intents", []):
        slots = {s["name"]: s.get("type", "") for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            refs = SLOT_REF.findall(sample)
            if len(refs) != 1 or slots.get(refs[0]) not in words:
                continue
            before, _, after = sample.partition("{" + refs[0] + "}")
            for other, text in plain:
                if other == intent["name"] or not (text.startswith(before) and text.endswith(after)):
                    continue
                value = text[len(before):len(text) - len(after)]
                if value in words[slots[refs[0]]]:
                    found.append(f"sample {text!r} of {other} is also {sample!r} of {intent['name']} "
                                 f"with {value!r}, a value of {slots[refs[0]]}")
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
            if len(word) > MAX_VALUE_CHARS:
                found.append(f"{kind['name']}.{ident}: value {word!r} is longer than {MAX_VALUE_CHARS} characters")
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
