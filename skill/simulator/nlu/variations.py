"""More ways of saying each training example: the words people swap for one another, and the tails they add.

The interaction model has a few hundred samples per locale; people say each of them many ways.
language.toml ``[variations]`` lists groups of interchangeable phrases ("can i", "is it okay to",
"am i alright to"; "a doctor", "the gp", "a physio"; "my wife", "my partner") and tails said after
a question ("do you think", "or not", "at all"). Each example of the intent classifier gets, for
each group one of its phrases belongs to, one copy with that phrase swapped for another of the
group, and questions get one copy with a tail: the classifier learns that these words do not
change the intent, so a sentence that mixes them in a way no sample did still reads right.

The choices come from a seeded generator: the same examples always give the same copies.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping

from ..text import canonical

#: Intents that are asked as questions: only their examples get a tail.
_NO_TAILS = ("AMAZON.", "Report", "ItHurts", "Emergency")


class Variations:
    """The groups and tails of language.toml ``[variations]`` (`data`), compiled."""

    def __init__(self, data: Mapping, seed: int = 23) -> None:
        self.rng = random.Random(seed)
        self.groups = [sorted({canonical(p) for p in group} - {""}) for group in data.get("groups", [])]
        self.patterns = [re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in sorted(g, key=len, reverse=True))
                                    + r")(?![\w'])") for g in self.groups]
        self.tails = [canonical(t) for t in data.get("tails", [])]
        self.max_copies = int(data.get("copies", 2))

    def of(self, text: str, intent: str) -> list[str]:
        """Other ways of saying `text` (an example of `intent`), at most `copies` of them, and a
        tail; none for Alexa's built-in intents (their words are few and exact: "okay" is a yes)."""
        if intent.startswith("AMAZON."):
            return []
        found = []
        for group, pattern in zip(self.groups, self.patterns):
            match = pattern.search(text)
            if match is None or len(group) < 2:
                continue
            other = self.rng.choice([p for p in group if p != match.group()])
            found.append(text[:match.start()] + other + text[match.end():])
        self.rng.shuffle(found)
        found = found[:self.max_copies]
        if self.tails and not intent.startswith(_NO_TAILS) and len(text.split()) >= 3:
            found.append(f"{text} {self.rng.choice(self.tails)}")
        return found


def varied(examples: Iterable[tuple[str, str]], data: Mapping) -> list[tuple[str, str]]:
    """`examples` ((text, intent) pairs) followed by their variations (`data`: language.toml
    ``[variations]``), each once."""
    examples = list(examples)
    variations = Variations(data)
    more = [(text, intent) for original, intent in examples for text in variations.of(original, intent)]
    return list(dict.fromkeys([*examples, *more]))
