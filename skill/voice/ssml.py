"""SSML built in one place: text escaped once, pauses within Alexa's limits, plain text for cards.

Alexa's limits (../shared/alexa-platform.md, section 3): output speech under 8,000 characters,
each ``<break>`` at most 10 seconds: a longer silence is chained breaks. How long speech plays
is `skill.voice.timing`; holds and counts are built by `skill.voice.pacing` from these parts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from xml.sax.saxutils import escape as _xml_escape

MAX_SPEECH_CHARS = 8000
MAX_BREAK_SECONDS = 10
_ENTITIES = {'"': "&quot;", "'": "&apos;"}
_TAGS = re.compile(r"<[^>]+>")
_SPECIAL = re.compile(r"[&<>\"']")


@functools.lru_cache(maxsize=4096)
def escape(text: str) -> str:
    """`text` safe inside SSML (XML special characters escaped; most texts repeat, so kept)."""
    if _SPECIAL.search(text) is None:
        return text
    return _xml_escape(text, _ENTITIES)


class Speech:
    """The speech of one response: sentences, pauses and holds, rendered as SSML and as plain text.

    Every `say` escapes its text; nothing else adds markup, so user text can never inject SSML.
    """

    def __init__(self, *sentences: str) -> None:
        self._ssml: list[str] = []
        self._text: list[str] = []
        self._marks: list[tuple[int, dict]] = []
        self.say(*sentences)

    @classmethod
    def from_ssml(cls, inner_ssml: str) -> Speech:
        """A speech from SSML this module produced earlier (e.g. replayed by "repeat")."""
        speech = cls()
        speech._ssml.append(inner_ssml)
        speech._text.append(strip_ssml(inner_ssml))
        return speech

    def say(self, *sentences: str) -> Speech:
        """Add sentences (plain text)."""
        for sentence in sentences:
            if "\n" in sentence or "  " in sentence or sentence[:1].isspace() or sentence[-1:].isspace():
                sentence = " ".join(sentence.split())
            if sentence:
                self._ssml.append(escape(sentence))
                self._text.append(sentence)
        return self

    def extend(self, other: Speech) -> Speech:
        """Append another speech."""
        self._marks.extend((index + len(self._ssml), info) for index, info in other._marks)
        self._ssml.extend(other._ssml)
        self._text.extend(other._text)
        return self

    def pause(self, seconds: float, join: bool = False) -> Speech:
        """Silence of `seconds`, as chained breaks of at most 10 seconds each (`join`: glued to
        the fragment before, as after a counted word)."""
        remaining = int(round(seconds * 1000))
        while remaining > 0:
            chunk = min(remaining, MAX_BREAK_SECONDS * 1000)
            tag = f'<break time="{chunk // 1000}s"/>' if chunk % 1000 == 0 else f'<break time="{chunk}ms"/>'
            if join and self._ssml:
                self._ssml[-1] += tag
            else:
                self._ssml.append(tag)
            join = False
            remaining -= chunk
        return self

    def beat(self, word: str, silence: float) -> Speech:
        """A counted word ("3") and the `silence` after it, glued together (a coach's count)."""
        self._ssml.append(escape(word))
        return self.pause(silence, join=True)

    def marker(self, text: str) -> Speech:
        """A note for the plain text only (cards, the simulator): ``[10 s]`` where a hold is."""
        self._text.append(text)
        return self

    def mark(self, **info: object) -> Speech:
        """Remember this point of the speech (a hold starts here); `timeline` says when it is reached."""
        self._marks.append((len(self._ssml), info))
        return self

    def timeline(self, duration: Callable[[str, str], float]) -> list[tuple[float, dict]]:
        """(seconds from the start, info) of every `mark`: `duration` of the SSML before it, given
        what follows (`skill.voice.timing.duration`, the standard rate)."""
        return [(duration(" ".join(self._ssml[:index]), " ".join(self._ssml[index:index + 1])), info)
                for index, info in self._marks]

    @property
    def ssml(self) -> str:
        """The SSML document (with ``<speak>``)."""
        return f"<speak>{' '.join(self._ssml)}</speak>"

    @property
    def inner_ssml(self) -> str:
        """The SSML without the ``<speak>`` element (what ask-sdk's ``speak()`` wraps)."""
        return " ".join(self._ssml)

    @property
    def text(self) -> str:
        """Plain text for cards and the text simulator (holds shown as ``[30 s]``)."""
        return " ".join(self._text)

    def __bool__(self) -> bool:
        return bool(self._ssml)


def strip_ssml(ssml: str) -> str:
    """Plain text of an SSML string (tags removed, entities decoded)."""
    text = _TAGS.sub(" ", ssml)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return " ".join(text.split())


_BREAK = re.compile(r'<break\s+time="(\d+)(ms|s)"\s*/>')
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_SENTENCE_WORDS = 35


def ssml_problems(ssml: str) -> list[str]:
    """What breaks Alexa's SSML rules in `ssml` (empty when fine): XML, length, breaks, sentence length."""
    from xml.etree import ElementTree

    found = []
    try:
        root = ElementTree.fromstring(ssml)
    except ElementTree.ParseError as exc:
        return [f"not valid XML: {exc}"]
    if root.tag != "speak":
        found.append("root element is not <speak>")
    if len(ssml) >= MAX_SPEECH_CHARS:
        found.append(f"{len(ssml)} characters (limit {MAX_SPEECH_CHARS})")
    for amount, unit in _BREAK.findall(ssml):
        millis = int(amount) * (1000 if unit == "s" else 1)
        if millis > MAX_BREAK_SECONDS * 1000:
            found.append(f"break of {amount}{unit} is over {MAX_BREAK_SECONDS} s")
    if ssml.count("<break") != len(_BREAK.findall(ssml)):
        found.append("a <break> without a time in s or ms")
    for sentence in _SENTENCE_END.split(strip_ssml(ssml)):
        if len(sentence.split()) > MAX_SENTENCE_WORDS:
            found.append(f"sentence of {len(sentence.split())} words: {sentence[:60]!r}...")
    return found


def response_problems(envelope: dict) -> list[str]:
    """Speech-quality problems of a response envelope: SSML rules; whenever the session stays open, a
    reprompt, and a last sentence that asks a question or tells what to say ("Say next ...")."""
    response = envelope.get("response") or {}
    found = []
    speech = (response.get("outputSpeech") or {}).get("ssml")
    reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
    for name, ssml in (("speech", speech), ("reprompt", reprompt)):
        if ssml is not None:
            found.extend(f"{name}: {problem}" for problem in ssml_problems(ssml))
    if response.get("shouldEndSession") is False:
        if not reprompt:
            found.append("the session stays open without a reprompt")
        last = _SENTENCE_END.split(strip_ssml(speech or "").strip())[-1]
        if not (last.endswith("?") or last.startswith("Say ")):
            found.append(f"the session stays open but the speech ends without a question: {last!r}")
    return found
