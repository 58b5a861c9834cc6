"""The custom slot types of an interaction model: a heard phrase -> the value id, as entity resolution does.

Alexa matches a heard slot value against the type's values and synonyms and sends the value's
id with ``ER_SUCCESS_MATCH``, or ``ER_SUCCESS_NO_MATCH`` with only the words heard. Typed text
is less exact than speech recognition, so a phrase also resolves, with a score below 1, when it
holds every meaningful word of a value or synonym, in order, with at most a couple of other
meaningful words ("the cat stretch", "my legs feel really weak", "i was in a car accident" for
"i had a car accident"; function words come from builtins.toml), or is a typo away from one.
A meaningful word *changed* never matches ("my back is sore" is not "my back is swollen"), and a
phrase that fits two values equally well stays unresolved rather than guessed. A value of the
types of builtins.toml ``inflected`` (activities) also matches with its "-ing" words in their
plain form and its plurals singular ("shovel the driveway" for "shoveling the driveway"), after
every value and synonym as written has claimed its words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .text import canonical

#: Meaningful words a phrase may hold besides those of a value or synonym.
MAX_EXTRA_WORDS = 2
#: How close (0-100, rapidfuzz ratio) a phrase must be to a value or synonym to count as a typo of
#: it (and no other value within MARGIN), and to count as near one (kept unresolved, not dropped).
TYPO = 92
MARGIN = 4
NEAR = 84
#: Candidates (by rapidfuzz) checked word by word.
SHORTLIST = 12
#: Scores: a phrase holding a value with words around it ranges from HELD up to 1.
HELD = 0.85


@dataclass(frozen=True)
class Match:
    """The outcome of entity resolution: `id` (None: no match), the words that matched, how sure
    (1.0: a value or synonym), and whether the phrase came close to a value (resolved or not)."""

    id: str | None
    phrase: str
    score: float
    close: bool = False


@dataclass(frozen=True)
class Found:
    """A value or synonym found in a text: characters [start, end), its type and id."""

    start: int
    end: int
    type: str
    id: str


class Catalogue:
    """Values and synonyms of every custom slot type, in canonical form."""

    def __init__(self, types: list[dict], function_words: Iterable[str] = (), endings: Iterable[str] = (),
                 inflected: Iterable[str] = ()) -> None:
        """`inflected`: the slot types whose values also match in their plain forms (see the module
        docstring)."""
        self._light = frozenset(canonical(w) for w in function_words)
        self._endings = tuple(endings)
        self._ids: dict[str, dict[str, str]] = {}
        self._owners: dict[str, tuple[str, str]] = {}  # phrase -> (type, id), first claim wins
        for kind in types:
            table: dict[str, str] = {}
            for value in kind["values"]:
                for phrase in (value["name"]["value"], *value["name"].get("synonyms", ())):
                    key = canonical(phrase)
                    table.setdefault(key, value["id"])
                    self._owners.setdefault(key, (kind["name"], value["id"]))
            self._ids[kind["name"]] = table
        for name in inflected:  # plain forms, after every phrase as written
            table = self._ids.get(name, {})
            for key, ident in list(table.items()):
                for variant in _variants(key):
                    table.setdefault(variant, ident)
                    self._owners.setdefault(variant, (name, ident))
        self._phrases = {name: list(table) for name, table in self._ids.items()}
        self._longest = max((len(p.split()) for p in self._owners), default=0)

    def lookup(self, kind: str, phrase: str) -> Match:
        """Resolve `phrase` (canonical) as a value of slot type `kind` (see the module docstring)."""
        table = self._ids.get(kind, {})
        ident = table.get(phrase)
        if ident is not None:
            return Match(ident, phrase, 1.0)
        shortlist = process.extract(phrase, self._phrases.get(kind, ()), scorer=fuzz.token_set_ratio,
                                    limit=SHORTLIST)
        said = self._meaningful(phrase)
        held = [(len(words), table[known]) for known, _, _ in shortlist
                if _holds(said, words := self._meaningful(known))]
        if held:
            size, best = max(held)
            if any(other != best and n == size for n, other in held):
                return Match(None, phrase, 0.0, close=True)  # holds two values equally: do not guess
            return Match(best, phrase, HELD + (1 - HELD) * size / max(len(said), 1), close=True)
        near = process.extract(phrase, self._phrases.get(kind, ()), scorer=fuzz.ratio, score_cutoff=NEAR, limit=3)
        if near and near[0][1] >= TYPO:
            best = table[near[0][0]]
            if all(table[known] == best for known, score, _ in near if score >= near[0][1] - MARGIN):
                return Match(best, phrase, near[0][1] / 100, close=True)
        return Match(None, phrase, 0.0, close=bool(near))

    def _meaningful(self, phrase: str) -> list[str]:
        """The words of `phrase` that carry meaning, without the endings to ignore."""
        return [_stem(word, self._endings) for word in phrase.split() if word not in self._light]

    def find(self, text: str) -> list[Found]:
        """Values and synonyms said word for word in `text` (canonical), longest first, not overlapping."""
        words = text.split()
        starts = [0]
        for word in words:
            starts.append(starts[-1] + len(word) + 1)
        longest = [self._longest_at(words, i) for i in range(len(words))]
        found: list[Found] = []
        i = 0
        while i < len(words):
            n, owner = longest[i]
            # a longer value starting inside this one was said ("both knees go side to side")
            if owner is not None and not any(longest[j][0] > n and j + longest[j][0] > i + n for j in range(i + 1, i + n)):
                found.append(Found(starts[i], starts[i + n] - 1, *owner))
                i += n
            else:
                i += 1
        return found

    def _longest_at(self, words: list[str], i: int) -> tuple[int, tuple[str, str] | None]:
        """The longest value or synonym starting at word `i`: (its length in words, its owner)."""
        for n in range(min(self._longest, len(words) - i), 0, -1):
            owner = self._owners.get(" ".join(words[i:i + n]))
            if owner is not None:
                return n, owner
        return 0, None


def _plain(word: str) -> list[str]:
    """The plain forms of an "-ing" word or a plural ("shoveling" -> "shovel", "running" -> "run",
    "cycling" -> "cycle", "lifts" -> "lift"); none for other words."""
    if word.endswith("ing") and len(word) > 5:
        base = word[:-3]
        forms = [base, base + "e"]
        if len(base) > 2 and base[-1] == base[-2]:
            forms.append(base[:-1])
        return forms
    if word.endswith("s") and not word.endswith(("ss", "'s", "us", "is")) and len(word) > 4:
        return [word[:-1]]
    return []


def _variants(phrase: str) -> list[str]:
    """`phrase` with one of its words in a plain form (see `_plain`), each way."""
    words = phrase.split()
    return [" ".join([*words[:i], form, *words[i + 1:]]) for i, word in enumerate(words) for form in _plain(word)]


def _stem(word: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[:-len(ending)]
    return word


def _holds(words: list[str], known: list[str]) -> bool:
    """`words` has every word of `known` (at least one), in order, and at most MAX_EXTRA_WORDS more."""
    if not known or len(words) - len(known) > MAX_EXTRA_WORDS or len(known) > len(words):
        return False
    rest = iter(words)
    return all(word in rest for word in known)
