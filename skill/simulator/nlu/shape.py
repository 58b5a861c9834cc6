"""The shape of an utterance, read from small lists of language.toml: a goodbye, a question, its clauses.

* A **closing** ("okay, thanks", "cheers, I'll ring the GP", "never mind, I'm good, bye") is an
  utterance made only of thanks, goodbyes and acknowledgements, with at least one thanks or
  goodbye, and at most one short statement of what the user will do next ("I'll ring the GP"):
  Alexa hears these as AMAZON.StopIntent. The lists are small and explicit (``[closing]``), so
  that "thanks, can I go swimming" is never one.
* A **question** is an utterance with a question mark, or with a clause of three words or more
  that opens with a question word ("can", "should", "is", "what", ... of ``[questions]``): a symptom said as a
  statement ("I've been boiling hot then freezing cold all night") is never outranked by a
  question the words happen to resemble (heat or ice).
* The **clauses** of an utterance: its parts between punctuation, or, without punctuation,
  between "and", "so" and "but" (the multi-fact utterance "it's been a week, pain's a 3, can I
  go for a bike ride" ends in a question about exercise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..text import canonical
from .features import language

#: A clause of fewer words is no question without a question mark ("why not", "will do").
QUESTION_WORDS = 3
_PUNCTUATION = re.compile(r"[,.;:!?()\"]+|\s[-\u2013\u2014]+\s")


def _phrases(words: Iterable[str]) -> re.Pattern:
    """A pattern of whole phrases (canonical), longest first."""
    phrases = sorted({canonical(w) for w in words} - {""}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w'])")


class Shape:
    """The lists of language.toml ``[closing]`` and ``[questions]``, compiled."""

    def __init__(self) -> None:
        data = language()
        closing = data["closing"]
        self.goodbyes = _phrases([*closing["farewells"], *closing["thanks"]])
        self.closers = _phrases([*closing["farewells"], *closing["thanks"], *closing["acknowledgements"]])
        self.leaving = _phrases(closing["leaving"])
        self.leaving_words = int(closing.get("leaving_words", 8))
        self.question_starts = _phrases(data["questions"]["starts"])
        self.leading = _phrases(data["questions"].get("leading", []))
        self.splitters = frozenset(data["questions"].get("splitters", ("and", "so", "but")))

    def closing(self, said: str) -> bool:
        """`said` (canonical) is a goodbye (see the module docstring)."""
        if not self.goodbyes.search(said):
            return False
        rest = " ".join(self.closers.sub(" ", said).split())
        if not rest:
            return True
        start = self.leaving.match(rest)
        return start is not None and len(rest.split()) <= self.leaving_words

    def question(self, raw: str) -> bool:
        """`raw` asks something (see the module docstring)."""
        if "?" in raw:
            return True
        for clause in self.clauses(raw):
            text = clause
            while (found := self.leading.match(text)) is not None and found.end() < len(text):
                text = text[found.end():].lstrip()
            if len(text.split()) >= QUESTION_WORDS and self.question_starts.match(text):
                return True
        return False

    def clauses(self, raw: str) -> list[str]:
        """The clauses of `raw`, canonical (see the module docstring)."""
        pieces = [canonical(p) for p in _PUNCTUATION.split(raw or "")]
        pieces = [p for p in pieces if p]
        if len(pieces) > 1:
            return pieces
        parts: list[list[str]] = [[]]
        for word in (pieces[0] if pieces else "").split():
            if word in self.splitters and parts[-1]:
                parts.append([])
            else:
                parts[-1].append(word)
        return [" ".join(p) for p in parts if p]
