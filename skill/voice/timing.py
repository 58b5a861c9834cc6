"""How long speech takes: one speaking rate, defined here, for every duration the skill states or checks.

A response lasts its words at the standard rate, a short pause at the end of each sentence and at
each comma, and its ``<break>`` pauses. A break right after a sentence takes the place of that sentence's pause
(so "Hold." followed by a 7-second break is 0.4 + 7 seconds, and a count's "1." is one second).
The same computation sets the per-response speech budget, times the holds ("a hold of 10
seconds is 10 seconds of audio"), announces a routine's length and places the screen's
countdown; ``backcoach speak`` renders the same SSML with espeak-ng to check it.
"""

from __future__ import annotations

import re

#: The standard speaking rate inside a sentence, in words per minute. Alexa's default voice is
#: usually put at 150 to 160 words a minute; the slower end gives longer, safer estimates.
WORDS_PER_MINUTE = 150
SECONDS_PER_WORD = 60 / WORDS_PER_MINUTE
#: The pause after a sentence (". ", "? ", "! "), unless a break follows it, and after a comma
#: or a colon inside one.
SENTENCE_PAUSE_SECONDS = 0.5
COMMA_PAUSE_SECONDS = 0.25
#: The most audio one response may hold (speech and pauses), so the user is never stuck
#: listening for minutes: longer stretches are split into turns ("Say next for the other side").
SPEECH_BUDGET_SECONDS = 60

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>')
_WORD = re.compile(r"\w")
_SENTENCE_END = re.compile(r"\w[.!?]+(?=\s|$)")
_COMMA = re.compile(r"\w[,:;](?=\s|$)")


def words(text: str) -> int:
    """Spoken words in plain text: whitespace-separated tokens with a letter or digit ("2", "A&E")."""
    return sum(1 for token in text.split() if _WORD.search(token))


def pause_seconds(ssml: str) -> float:
    """The total of the ``<break time>`` pauses in `ssml`."""
    return sum(float(amount) / (1000 if unit == "ms" else 1) for amount, unit in _BREAK.findall(ssml))


def speaking_seconds(text: str) -> float:
    """The time the words of `text` (plain text or SSML) take at the standard rate, without pauses."""
    return words(_TAG.sub(" ", text)) * SECONDS_PER_WORD


def sentence_pauses(ssml: str, then: str = "") -> int:
    """Sentence ends in `ssml` that are not followed by a break (`then`: what comes after it)."""
    pieces = _BREAK.split(ssml)[::3]  # the text between breaks (split keeps the two groups)
    found = 0
    for number, piece in enumerate(pieces):
        ends = _SENTENCE_END.findall(_TAG.sub(" ", piece))
        last = number == len(pieces) - 1
        followed = not last or bool(_BREAK.match(then.lstrip()))
        if ends and followed and re.search(r"[.!?]\s*$", _TAG.sub(" ", piece)):
            found += len(ends) - 1  # the last sentence of this piece runs into a break
        else:
            found += len(ends)
    return found


def comma_pauses(ssml: str) -> int:
    """Commas, colons and semicolons between words."""
    return len(_COMMA.findall(_TAG.sub(" ", ssml)))


def duration(ssml: str, then: str = "") -> float:
    """How long `ssml` (a document or a fragment) plays: its words at the standard rate, a pause
    after each sentence that no break follows and at each comma, and its breaks. `then`: what
    follows the fragment (a break there takes the place of its last sentence's pause)."""
    return (speaking_seconds(ssml) + SENTENCE_PAUSE_SECONDS * sentence_pauses(ssml, then)
            + COMMA_PAUSE_SECONDS * comma_pauses(ssml) + pause_seconds(ssml))
