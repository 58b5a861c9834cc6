"""The canonical form of words, so that what was said and the samples compare word for word.

Lower case, apostrophes kept, other punctuation gone, typed spellings fixed ("im" -> "i'm"), a
number run into letters split ("5k" -> "5 k", ordinals aside), a number's homophones where only
the number makes sense read as it ("to days ago", "for out of ten"), and numbers from three up written
in digits (text2num: "twenty one" -> "21", "six out of ten"
-> "6 out of 10"; "one" and "two" stay words, as in "one leg"). Utterances and the literal parts
of sample utterances go through the same function.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

from text_to_num import alpha2digit

_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")
_NEGATIVE = re.compile(r"(?<![\w.])-(?=\d)")
_DROP = re.compile(r"[^a-z0-9'. ]+")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_EDGE_APOSTROPHE = re.compile(r"(?<![a-z])'|'(?![a-z])")
#: "me" for "my" before a body part or one's exercises, as said in Australia, Britain and Ireland
#: ("a lump on me back", "me stretches"); not after a verb of which it is the object ("call me back",
#: "set me back", "take me back to the start").
_MY = re.compile(r"(?<!\bcall )(?<!\bring )(?<!\bphone )(?<!\btake )(?<!\bbring )(?<!\bget )(?<!\bset )"
                 r"(?<!\bsend )(?<!\bhold )(?<!\btext )(?<!\bgive )(?<!\blet )(?<!\bput )(?<!\bkeep )"
                 r"(?<!\bpull )(?<!\bwalk )(?<!\btalk )(?<!\bhelp )(?<!\bpay )(?<!\bgo )(?<!\bpush )(?<!\bsets )"
                 r"(?<!\btook )(?<!\bbrought )(?<!\bgot )(?<!\bsent )(?<!\bcalled )(?<!\btakes )"
                 r"\bme (?=(?:back|backs|legs?|bum|foot|feet|knees?|hips?|neck|chest|tummy|belly|stomach|arms?|"
                 r"bottom|backside|butt|bits|privates|shoulders?|spine|groin|side|toes?|thighs?|ankles?|"
                 r"stretches|exercises|wee|pee)\b(?! (?:to|into|up|home|on track|a bit|a step)\b))")
#: Speech recognition's homophones of a number where only the number makes sense ("to days ago",
#: "for out of ten"): the number.
_TWO = re.compile(r"\b(?:to|too)\b(?= (?:days?|weeks?|months?) (?:ago|back)\b)")
_FOUR = re.compile(r"\bfor\b(?= out of (?:ten|10)\b)")
#: A number run into a unit or a letter ("5k", "10km", "7pm"), ordinals aside ("3rd"): two words.
_NUMBER_LETTERS = re.compile(r"(?<=\d)(?!(?:st|nd|rd|th)\b)(?=[a-z])")


def read_toml(package: str, name: str) -> dict:
    """A TOML data file shipped inside `package`."""
    return tomllib.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def builtins() -> dict:
    """skill/simulator/builtins.toml, read once: built-in intents, launch phrases, date words."""
    return read_toml("skill.simulator", "builtins.toml")


def _words(text: str) -> str:
    """`text` as lower-case words without punctuation, spellings fixed, numbers not converted."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = _NEGATIVE.sub("minus ", _FRACTION.sub(r"\1 out of \2", text))
    text = text.replace("-", " ").replace("_", " ")
    text = _EDGE_APOSTROPHE.sub(" ", _STRAY_DOT.sub(" ", _DROP.sub(" ", text)))
    text = _NUMBER_LETTERS.sub(" ", text)
    spellings = builtins()["normalise"]["spellings"]
    text = _MY.sub("my ", " ".join(spellings.get(word, word) for word in text.split()))
    return _FOUR.sub("four", _TWO.sub("two", text))


@functools.lru_cache(maxsize=4096)
def canonical(text: str) -> str:
    """The canonical form of `text` (see the module docstring)."""
    plain = _words(text)
    return alpha2digit(plain, "en") if plain else plain
