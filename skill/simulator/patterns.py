"""Sample utterances compiled for matching: a regex for whole-utterance matches and a template for fuzzy ones.

A sample such as ``i've had it for {daysAgo} days`` becomes the regex
``i've had it for (.+?) days`` (the resolver then checks that the captured words are a value of
the slot's type) and the template ``i've had it for \\ue001 days``, where one private-use
character stands for a slot of each type, so that a fuzzy comparison weighs the carrier words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .text import canonical

SLOT_REF = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class Sample:
    """One compiled sample utterance of `intent`.

    slots: the slot names in the order they appear; types: their slot types.
    literal_words: words outside the slots (more is more specific, and wins a tie).
    """

    intent: str
    text: str
    slots: tuple[str, ...]
    types: tuple[str, ...]
    regex: re.Pattern
    template: str
    literal_words: int


def markers(slot_types: Iterable[str]) -> dict[str, str]:
    """One private-use character per slot type, to stand for its values in templates."""
    return {kind: chr(0xE000 + i) for i, kind in enumerate(sorted(set(slot_types)))}


def compile_sample(intent: str, text: str, slot_types: Mapping[str, str],
                   marks: Mapping[str, str]) -> Sample:
    """Compile `text` (a sample of `intent` whose slots have `slot_types`)."""
    pieces = SLOT_REF.split(text)  # literal, slot name, literal, slot name, ..., literal
    regex, template, slots = [], [], []
    literal_words = 0
    for i, piece in enumerate(pieces):
        if i % 2:
            slots.append(piece)
            regex.append("(.+?)")
            template.append(marks[slot_types[piece]])
        elif canonical(piece):
            literal = canonical(piece)
            literal_words += len(literal.split())
            regex.append(re.escape(literal))
            template.append(literal)
    return Sample(intent=intent, text=text, slots=tuple(slots),
                  types=tuple(slot_types[s] for s in slots), regex=re.compile(" ".join(regex)),
                  template=" ".join(template), literal_words=literal_words)


class Templates:
    """The templates of samples that hold the same slot types in the same order."""

    def __init__(self, floor: float) -> None:
        self.floor = floor
        self.samples: list[Sample] = []
        self.texts: list[str] = []
        self.words: list[list[str]] = []

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.texts.append(sample.template)
        self.words.append(sample.template.split())

    def closest(self, template: str) -> tuple[Sample, float] | None:
        """The sample closest to `template` and how close (0-1): the best of a character-level and a
        word-level similarity (rapidfuzz Indel), so that a typo or a swapped word costs little, and
        of containing a sample of two or more words whole ("do you have any tips").
        None when no sample reaches the floor."""
        cutoff = self.floor * 100
        words = template.split()
        by_chars = process.extractOne(template, self.texts, scorer=fuzz.ratio, score_cutoff=cutoff)
        by_words = process.extractOne(words, self.words, scorer=fuzz.ratio, score_cutoff=cutoff)
        found = [(s, 100 * _contained(self.words[i], words), i) for i, s in enumerate(self.texts)]
        by_part = max((f for f in found if f[1] >= cutoff), key=lambda f: f[1], default=None)
        best = max((b for b in (by_chars, by_words, by_part) if b is not None), key=lambda b: b[1], default=None)
        return None if best is None else (self.samples[best[2]], best[1] / 100)


def _contained(part: list[str], words: list[str]) -> float:
    """How well `words` is `part` with words around it: 0 unless `part` (two or more words) occurs
    whole in `words`, then from 0.5 up to 1 as `part` covers more of `words`."""
    size = len(part)
    if size < 2 or size > len(words):
        return 0.0
    if not any(words[i:i + size] == part for i in range(len(words) - size + 1)):
        return 0.0
    return 0.5 + 0.5 * size / len(words)


class TemplateIndex:
    """Samples grouped by the slot types they hold in order, for fuzzy comparison of templates."""

    def __init__(self, samples: Iterable[Sample], floor: float) -> None:
        self.groups: dict[tuple[str, ...], Templates] = {}
        for sample in samples:
            self.groups.setdefault(sample.types, Templates(floor)).add(sample)

    def get(self, types: tuple[str, ...]) -> Templates | None:
        return self.groups.get(types)
