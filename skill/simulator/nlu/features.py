"""What the models see of an utterance: its words with values replaced by their type, plus word classes.

An utterance in canonical form (`skill.simulator.text.canonical`) becomes two views:

* words: the words, with every value found in them (a number, a date, a custom slot value or
  synonym) replaced by its type ("can i go xactivity xdate"), followed by one feature per word
  class of language.toml that occurs ("k_saddle k_numb") and one per two classes that occur
  together ("kk_numb_saddle": a linear model cannot tell "numb" and "bottom" together from
  each apart);
* characters: the canonical text itself, for character n-grams (spelling, word endings).

Both views are read with the spellings of language.toml ``[rewrite]`` made one ("i am not able
to" is "i can't", "it is" is "it's"): the samples use one way of saying it, people several.

The red-flag spotter keeps custom values as words (`custom=False`): which symptom was said is
what it has to learn.

Training examples and utterances go through the same function, so a value the classifier never
saw in training still reads as its type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..text import canonical, read_toml

if TYPE_CHECKING:
    from ..amazon_types import DateReader, NumberReader
    from ..catalogue import Catalogue

#: The red-flag spotter's labels besides the symptom ids: a call for help, and nothing.
EMERGENCY, NONE = "EMERGENCY", "NONE"

#: Any day serves to find where dates are (not what they are).
_SOME_DAY = date(2026, 1, 5)
_PUNCTUATION = re.compile(r"[,.;:!?()\"]+|\s[-\u2013\u2014]+\s")


@functools.cache
def language() -> dict:
    """skill/simulator/nlu/language.toml, read once."""
    return read_toml("skill.simulator.nlu", "language.toml")


def marker(kind: str) -> str:
    """The word that stands for a value of slot type `kind` ("AMAZON.DATE" -> "xdate")."""
    return "x" + kind.rsplit(".", 1)[-1].lower().replace("_", "")


class Rewriter:
    """Spellings of the same words made one (language.toml ``[rewrite]``: "i am not able to" and
    "unable to" become "i can't" and "can't", "it is" becomes "it's"), in what the models see, so
    that a way of saying something the samples never used still reads as the samples do."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = {canonical(k): canonical(v) for k, v in table.items()}
        keys = sorted(self.table, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])") \
            if keys else None

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.table[m.group()], text)


class Lexicon:
    """Phrases -> word classes (language.toml ``[classes]``), found word for word in canonical text."""

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.phrases: dict[tuple[str, ...], set[str]] = {}
        for name, phrases in classes.items():
            for phrase in phrases:
                self.phrases.setdefault(tuple(canonical(phrase).split()), set()).add(name)
        self.longest = max((len(p) for p in self.phrases), default=0)
        self.phrases_words = frozenset(w for p in self.phrases for w in p)

    def _known_form(self, word: str) -> str:
        if word in self.phrases_words:
            return word
        for ending in ("'s", "es", "s"):
            if word.endswith(ending) and word[:-len(ending)] in self.phrases_words:
                return word[:-len(ending)]
        return word

    def classes(self, words: list[str]) -> list[str]:
        """The classes of every phrase in `words` (overlaps allowed), sorted, each once; a word
        with "'s" ("my chest's hurting", "my leg's gone weak") is also read without it, and a plural
        no phrase has as its singular ("workouts")."""
        words = [self._known_form(w) for w in words]
        found: set[str] = set()
        for i in range(len(words)):
            for n in range(1, min(self.longest, len(words) - i) + 1):
                names = self.phrases.get(tuple(words[i:i + n]))
                if names:
                    found |= names
        return sorted(found)


@dataclass(frozen=True)
class Span:
    """A value found in canonical text: characters [start, end), its slot type, and what it is."""

    start: int
    end: int
    kind: str
    value: str
    id: str | None = None


#: Custom slot types whose words add only the word class of this word in the word view (the value
#: stands for itself: "bike to work" is an activity, not talk of work).
SELF_CONTAINED = {"ACTIVITY": "exercise", "STRETCH": "stretch"}


class Featurizer:
    """The views of an utterance (see the module docstring), and the values found in it."""

    def __init__(self, catalogue: Catalogue, numbers: NumberReader, dates: DateReader,
                 lexicon: Lexicon | None = None) -> None:
        self.catalogue = catalogue
        self.numbers = numbers
        self.dates = dates
        self.lexicon = lexicon or Lexicon(language()["classes"])
        self.rewrite = Rewriter(language().get("rewrite", {}))

    def spans(self, text: str, today: date = _SOME_DAY, types: Iterable[str] | None = None) -> list[Span]:
        """Custom values, dates and numbers in `text` (canonical), not overlapping: custom values
        first, then dates, then numbers, each kept only where nothing found before lies.

        :param types: only custom values of these slot types (an intent's own): "this morning"
            is then a date, not the reminder value "this morning" of another intent.
        """
        wanted = None if types is None else frozenset(types)
        found = [Span(f.start, f.end, f.type, text[f.start:f.end], f.id) for f in self.catalogue.find(text)
                 if wanted is None or f.type in wanted]
        found += [Span(s.start, s.end, "AMAZON.DATE", s.value) for s in self.dates.find(text, today)]
        found += [Span(s.start, s.end, "AMAZON.NUMBER", s.value) for s in self.numbers.find(text)]
        kept: list[Span] = []
        for span in found:
            if all(span.end <= k.start or span.start >= k.end for k in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    def words(self, text: str, spans: Iterable[Span] | None = None, custom: bool = True) -> str:
        """The word view of `text` (canonical); `custom`: custom values are replaced too (else
        only numbers and dates are)."""
        spans = self.spans(text) if spans is None else spans
        if not custom:
            spans = [s for s in spans if s.kind.startswith("AMAZON.")]
        pieces, at = [], 0
        for span in spans:
            pieces.extend((text[at:span.start], f" {marker(span.kind)} "))
            at = span.end
        pieces.append(text[at:])
        delexicalised = self.rewrite(" ".join("".join(pieces).split()))
        # an activity or a stretch counts as one word of its class: "bike to work" is exercise, no talk of work
        classed = text
        for span in sorted((s for s in spans if s.kind in SELF_CONTAINED), key=lambda s: -s.start):
            classed = classed[:span.start] + f" {SELF_CONTAINED[span.kind]} " + classed[span.end:]
        if custom:  # a date is a date: the "next" of "by next week" asks for no next stretch
            for span in sorted((s for s in spans if s.kind == "AMAZON.DATE"), key=lambda s: -s.start):
                classed = classed[:span.start] + " " + classed[span.end:]
        classes = self.lexicon.classes(self.rewrite(" ".join(classed.split())).split())
        pairs = [f"kk_{a}_{b}" for i, a in enumerate(classes) for b in classes[i + 1:]]
        return " ".join([delexicalised, *(f"k_{name}" for name in classes), *pairs]).strip()

    def views(self, texts: Iterable[str], custom: bool = True) -> tuple[list[str], list[str]]:
        """(word views, character views) of canonical texts (`custom`: see `words`)."""
        texts = list(texts)
        return [self.words(t, custom=custom) for t in texts], [self.rewrite(t) for t in texts]


def clauses(raw: str, clause_words: Iterable[str], max_words: int = 45,
            min_words: int = 3) -> list[tuple[str, bool]]:
    """The windows the red-flag spotter reads, in canonical form, each with whether it is a whole
    sentence (the whole utterance, or a clause between punctuation) rather than a part of one:
    the whole utterance (when it is at most `max_words` long), each two neighbouring clauses
    between punctuation and each clause, each part of a clause that begins with one of
    `clause_words` ("and", "but", ...) and each two neighbouring parts. Parts of fewer than
    `min_words` words (the clause word aside) are too short to say anything on their own; they
    are read with their neighbours."""
    starters = frozenset(clause_words)
    windows: list[tuple[str, bool]] = []
    whole = canonical(raw)
    if whole and len(whole.split()) <= max_words:
        windows.append((whole, True))
    pieces = [text for text in map(canonical, _PUNCTUATION.split(raw)) if text]
    windows.extend((f"{a} {b}", True) for a, b in zip(pieces, pieces[1:])
                   if len(a.split()) + len(b.split()) <= max_words)
    for text in pieces:
        if min_words <= len(text.split()) <= max_words:
            windows.append((text, True))
        parts: list[list[str]] = [[]]
        for word in text.split():
            if word in starters and parts[-1]:
                parts.append([])
            parts[-1].append(word)
        if len(parts) > 1:
            joined = [" ".join(p) for p in parts]
            windows.extend((j, False) for j, p in zip(joined, parts)
                           if min_words <= len(p) - (p[0] in starters) and len(p) <= max_words)
            windows.extend((f"{a} {b}", False) for a, b, pa, pb in zip(joined, joined[1:], parts, parts[1:])
                           if len(pa) + len(pb) <= max_words)
    seen: set[str] = set()
    return [(w, whole_) for w, whole_ in windows if not (w in seen or seen.add(w))]
