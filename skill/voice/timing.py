"""How long speech takes: one speaking rate, defined here, for every duration the skill states or checks.

A response lasts its words at the standard rate plus its ``<break>`` pauses. The rate is an
effective one, the pauses a synthesiser puts after sentences and commas included, so a count
of words is all it needs. The same computation sets the per-response speech budget, times the
holds ("a hold of 10 seconds is 10 seconds of audio"), announces a routine's length and places
the screen's countdown; ``backcoach speak`` renders the same SSML with espeak-ng to check it.
"""

from __future__ import annotations

import re

#: The standard speaking rate, in words per minute (sentence pauses included). Alexa's default
#: voice is usually put at 150 to 160 words a minute; the slower end gives longer, safer estimates.
WORDS_PER_MINUTE = 150
SECONDS_PER_WORD = 60 / WORDS_PER_MINUTE
#: The most audio one response may hold (speech and pauses), so the user is never stuck
#: listening for minutes: longer stretches are split into turns ("Say next for the other side").
SPEECH_BUDGET_SECONDS = 60

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>')
_WORD = re.compile(r"\w")


def words(text: str) -> int:
    """Spoken words in plain text: whitespace-separated tokens with a letter or digit ("2", "A&E")."""
    return sum(1 for token in text.split() if _WORD.search(token))


def pause_seconds(ssml: str) -> float:
    """The total of the ``<break time>`` pauses in `ssml`."""
    return sum(float(amount) / (1000 if unit == "ms" else 1) for amount, unit in _BREAK.findall(ssml))


def speaking_seconds(ssml: str) -> float:
    """The time the words of `ssml` take at the standard rate (pauses not included)."""
    return words(_TAG.sub(" ", ssml)) * SECONDS_PER_WORD


def duration(ssml: str) -> float:
    """How long `ssml` (a document or a fragment) plays: its words at the standard rate plus its pauses."""
    return speaking_seconds(ssml) + pause_seconds(ssml)


def over_budget(ssml: str, budget: float = SPEECH_BUDGET_SECONDS) -> bool:
    return duration(ssml) > budget + 1e-6
