"""Built-in plugin `red_flags`: the symptom vocabulary and red-flag triage.

Data: `plugins/data/red_flags.toml`: the 29 symptom ids of the clinical reference plus the NHS
urgent-list extras, each with its tier, the ways users say it and its source; and the
combinations that raise the tier only together (a minor fall with a fracture risk).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from rules import TIERS, Case, Finding, Symptom, hookimpl
from rules.datafiles import entries, read_symptoms, read_toml

PACKAGE = "plugins.data"
FILE = "red_flags.toml"


@dataclass(frozen=True)
class Combination:
    """A tier set off when every symptom of `all_of` and at least one of `any_of` are present."""

    id: str
    all_of: frozenset[str]
    any_of: frozenset[str]
    tier: str
    source: str


@dataclass(frozen=True)
class RedFlags:
    symptoms: dict[str, Symptom]
    findings: dict[str, Finding]
    combinations: tuple[Combination, ...]


@functools.cache
def red_flags() -> RedFlags:
    """The red-flag table, read and validated once."""
    doc = read_toml(PACKAGE, FILE)
    pairs = read_symptoms(doc, FILE)
    symptoms = {symptom.id: symptom for symptom, _ in pairs}
    combinations = tuple(
        Combination(e.text("id"), frozenset(e.texts("all")), frozenset(e.texts("any")),
                    e.choice("tier", TIERS), e.text("source"))
        for e in entries(doc, "combination", FILE, ("id", "all", "any", "tier", "source", "note")))
    for combo in combinations:
        unknown = (combo.all_of | combo.any_of) - symptoms.keys()
        if unknown:
            raise ValueError(f"{FILE}: combination {combo.id!r} names unknown symptoms {sorted(unknown)}")
    return RedFlags(symptoms, {symptom.id: finding for symptom, finding in pairs}, combinations)


@hookimpl
def backcoach_symptoms() -> list[Symptom]:
    return list(red_flags().symptoms.values())


@hookimpl
def backcoach_red_flags(case: Case) -> Iterator[Finding]:
    table = red_flags()
    for symptom in sorted(case.symptoms):
        finding = table.findings.get(symptom)
        if finding is not None:
            yield finding
    for combo in table.combinations:
        if combo.all_of <= case.symptoms and combo.any_of & case.symptoms:
            present = sorted(combo.all_of | (combo.any_of & case.symptoms))
            yield Finding(rule=combo.id, source=combo.source, tier=combo.tier,
                          reason=" with ".join(s.replace("_", " ") for s in present))
