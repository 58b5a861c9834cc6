"""The red-flag spotter: does any part of an utterance name a symptom, or call for help now?

Read before anything else, in every state: a symptom or an emergency named anywhere in what was
said outranks the intent of the rest of it and any number or date in it (so "it's a 10 and my
chest is tight" is chest pain, not pain 10, and "call 911" is never a pain score of 911).

The utterance is cut into windows (`features.clauses`: the whole of it, each clause, each two
neighbouring clauses), the trained spotter ranks each window's labels (a symptom id,
``EMERGENCY``, or ``NONE``), and the best label other than NONE of a window counts when it is
probable enough (or, when none is, split between near neighbours such as bladder and bowel control
probable enough together): an emergency anywhere first, then what the whole utterance names (read with
all its words), then the most probable label of its parts. A call for help is mostly a sentence of its own ("I can't move,
help"): in a part of a clause EMERGENCY needs a higher probability ("I fell in the shower and I
can't get back up" counts; "my brother was meant to come and help" does not). The emergency
numbers of language.toml, heard anywhere, are an emergency whatever the model says, unless they
are a temperature or a weight ("a fever of 102", "102 degrees").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import canonical
from .classifier import TextClassifier
from .features import EMERGENCY, NONE, Featurizer, clauses, language

#: The least probability of a symptom in its best window for it to count, and of an emergency.
SYMPTOM_FLOOR = 0.4
EMERGENCY_FLOOR = 0.6
#: A call for help inside a clause ("i fell and i can't get back up") must be plainer than one
#: said as a sentence of its own ("my brother was meant to come and help" is not one); in a long
#: story only a sentence of its own counts.
PART_EMERGENCY_FLOOR = 0.8
#: In a long story (more words than this), a red flag is said plainly: only a window at least
#: this probable counts (a clause of small talk may look like a symptom now and then).
LONG_WORDS = 45
LONG_FLOOR = 0.85
#: A window of more words than this (a story, read whole) names a symptom only when it is at least
#: this probable: its words are many, and a flat reading of them names nothing.
WIDE_WORDS = 20
WIDE_FLOOR = 0.6
#: Windows read at most (a very long utterance: the first ones).
MAX_WINDOWS = 80


@dataclass(frozen=True)
class Spotted:
    """What the spotter found: a symptom id or EMERGENCY, how sure, and in which window."""

    label: str
    probability: float
    window: str

    @property
    def emergency(self) -> bool:
        return self.label == EMERGENCY


class Spotter:
    def __init__(self, model: TextClassifier | None, featurizer: Featurizer) -> None:
        self.model = model
        self.featurizer = featurizer
        data = language()
        self.starters = data["clauses"]["starters"]
        self.floors: dict[str, float] = dict(data["spotter"].get("floors", {}))
        self.fillers = frozenset(data["spotter"].get("fillers", ()))
        self.group_of = {label: tuple(group) for group in data["spotter"].get("groups", []) for label in group}
        self.needs = {label: re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")")
                      for label, words in data["spotter"].get("needs", {}).items()}
        emergency = data["emergency"]
        numbers = sorted(emergency["numbers"], key=len, reverse=True)
        self.numbers = re.compile(r"(?<![\d.])(?:" + "|".join(re.escape(n) for n in numbers) + r")(?![\d.])")
        self.not_after = frozenset(emergency.get("not_after", ()))
        self.not_before = frozenset(emergency.get("not_before", ()))

    def _a_call(self, said: str, match: re.Match) -> bool:
        """An emergency number said as one, not as a temperature or a weight ("a fever of 102")."""
        before, after = _words_around(said, match)
        return after not in self.not_after and not any(w in self.not_before for w in before) \
            and " ".join(before[-2:]) not in self.not_before

    def spot(self, raw: str) -> Spotted | None:
        """The red flag or emergency `raw` names, or None."""
        said = canonical(raw)
        match = next((m for m in self.numbers.finditer(said) if self._a_call(said, m)), None)
        if match:
            return Spotted(EMERGENCY, 1.0, match.group())
        windows = [(w, whole) for w, whole in clauses(raw, self.starters)
                   if not set(w.split()) <= self.fillers][:MAX_WINDOWS]  # "um like" names nothing
        if not windows or self.model is None:
            return None
        least = LONG_FLOOR if len(said.split()) > LONG_WORDS else 0.0
        texts = [text for text, _ in windows]
        found: list[Spotted] = []
        split: list[Spotted] = []  # windows that name a symptom only with its near neighbours counted in
        for (window, sentence), ranked in zip(windows, self.model.rank(*self.featurizer.views(texts, custom=False))):
            label, probability = next((lp for lp in zip(ranked.labels, ranked.probabilities) if lp[0] != NONE),
                                      (NONE, 0.0))
            evidence = probability  # "a few little accidents": bladder or bowel, a loss of control either way
            if label in self.group_of:
                evidence = sum(ranked.probability(other) for other in self.group_of[label])
            floor = max(least, self.floors.get(label, SYMPTOM_FLOOR) if label != EMERGENCY
                        else EMERGENCY_FLOOR if sentence else PART_EMERGENCY_FLOOR if not least else 1.01)
            if len(window.split()) > WIDE_WORDS:
                floor = max(floor, WIDE_FLOOR)
            if label in self.needs and not self.needs[label].search(window):
                continue  # "remind me every night": a time of day, not pain at night
            if label != NONE and probability >= floor:
                found.append(Spotted(label, probability, window))
            elif label != NONE and evidence >= floor:
                split.append(Spotted(label, probability, window))
        return _choose(found or split, said)


def _words_around(said: str, match: re.Match, before: int = 4) -> tuple[list[str], str]:
    """The few words before a match, and the word right after it."""
    after = said[match.end():].split()
    return said[:match.start()].split()[-before:], after[0] if after else ""


def _choose(found: list[Spotted], said: str) -> Spotted | None:
    """An emergency anywhere; else the symptom the whole utterance names, read with all its
    words ("the leg weakness, both of them" is weakness in both legs, though "both of them"
    alone sounds like pain down both); else the most probable symptom of its parts."""
    emergencies = [f for f in found if f.emergency]
    if emergencies:
        return max(emergencies, key=lambda f: f.probability)
    whole = [f for f in found if f.window == said]
    return max(whole or found, key=lambda f: f.probability, default=None)
