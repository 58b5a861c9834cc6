"""Slot values to catalogue ids: symptoms, activities and stretches, as Alexa resolved them or as said."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .slots import normalise

if TYPE_CHECKING:
    from .turn import Turn


def catalogue_id(records: Mapping[str, object], resolved: str | None, raw: str,
                 names: Callable[[object], tuple[str, ...]]) -> str | None:
    """A catalogue id: Alexa's resolution when it names a known record, else a match of the words
    against `names(record)` (its id, name and synonyms)."""
    if resolved in records:
        return resolved
    said = normalise(raw)
    for ident, record in records.items():
        if said in (normalise(ident.replace("_", " ")), *map(normalise, names(record))):
            return ident
    return None


def symptom_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    return catalogue_id(t.rules.symptoms, resolved, raw, lambda s: s.synonyms)


def stretch_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    return catalogue_id(t.rules.stretches, resolved, raw, lambda s: (s.name, *s.synonyms))


def activity_id(t: Turn, resolved: str | None, raw: str) -> str | None:
    if resolved in t.rules.activities:
        return resolved
    try:
        return t.rules.activity(raw).id
    except ValueError:
        return None
