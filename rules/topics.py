"""Everyday questions and where every answer comes from: the records of `backcoach_answers` and
`backcoach_sources`.

An `Answer` is one sourced sentence per line (`AnswerLine`), each quoting the words of its
source; a `Source` is a guideline, web page, seed article or the clinical reference, so every
trace a user sees can be followed from a clone (`backcoach sources`, SOURCES.md).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .models import AVOID_ITEMS

if TYPE_CHECKING:
    from .models import Assessment

#: Everyday questions the host can ask the rule layer about (`backcoach_answers`). A plugin may
#: answer only these: the host has an intent, a prompt and a screen for each.
KNOWN_TOPICS: tuple[str, ...] = (
    "painkillers", "recovery_time", "work", "driving", "sleep", "sex", "heat_or_ice",
    "serious", "cause",
)
#: Placeholders an answer line may contain; the host fills them per locale (`{paracetamol}` is
#: "acetaminophen" in en-US and en-CA, "paracetamol" elsewhere; `{doctor}` is "a doctor" or "a GP").
PLACEHOLDERS = frozenset({"emergency_number", "paracetamol", "doctor", "urgent_places"})
#: What a `Source` record may be.
SOURCE_KINDS: tuple[str, ...] = (
    "clinical reference", "seed article", "web page", "guideline", "journal article", "leaflet",
    "pathway",
)


def placeholders(text: str) -> tuple[str, ...]:
    """The `{name}` placeholders of `text`, in order. :raises ValueError: for `{}`, `{0}`,
    `{a.b}`, `{a!r}`, `{a:>3}` or unbalanced braces, none of which the host can fill."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"bad placeholder {{{name}}}: only {{name}} is allowed")
        names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class AnswerLine:
    """One spoken sentence of an answer, with the source that backs it.

    say: the sentence, plain text; may contain placeholders from PLACEHOLDERS.
    source: where it comes from, in the data's citation style ("NHS inform back problems;
        seed 001"); `backcoach sources` resolves each part to a `Source`.
    quote: the exact words of the source(s) that back the sentence, one or more.
    if_avoid: say the line only when today's answer avoids this item ("heavy lifting").
    unless_avoid: say the line only when today's answer does not avoid this item.
    """

    say: str
    source: str
    quote: tuple[str, ...]
    if_avoid: str | None = None
    unless_avoid: str | None = None

    def applies(self, avoid: Iterable[str]) -> bool:
        """Whether the line is spoken for an assessment that avoids `avoid`."""
        items = set(avoid)
        return ((self.if_avoid is None or self.if_avoid in items)
                and (self.unless_avoid is None or self.unless_avoid not in items))

    def fill(self, values: Mapping[str, str]) -> str:
        """`say` with its placeholders filled in from `values` (the locale's words)."""
        return self.say.format_map({name: values[name] for name in placeholders(self.say)})


@dataclass(frozen=True)
class Answer:
    """The answer to an everyday question ("can I drive?"), one sourced sentence per line.

    topic: one of KNOWN_TOPICS. health_advice: the answer tells the user what to do about their
    health (the host adds its safety net and disclaimer), rather than general information.
    """

    topic: str
    lines: tuple[AnswerLine, ...]
    health_advice: bool

    def lines_for(self, avoid: Iterable[str]) -> tuple[AnswerLine, ...]:
        """The lines spoken for an assessment that avoids `avoid`, in order."""
        items = tuple(avoid)
        return tuple(line for line in self.lines if line.applies(items))

    def lines_today(self, assessment: Assessment) -> tuple[AnswerLine, ...]:
        """The lines spoken for today's assessment.

        An answer about getting care (max activity `none`: emergency, urgent, fail-closed) allows
        nothing, so every avoid item counts as avoided there: an `unless_avoid` line ("build
        heavy lifting back up") is never spoken to someone who should be getting care.
        """
        if assessment.max_activity == "none":
            return self.lines_for(AVOID_ITEMS)
        return self.lines_for(assessment.avoid)


@dataclass(frozen=True)
class Source:
    """A source the data cites: a guideline, a web page, the clinical reference, a seed article.

    names: how records' `source` strings name it ("NHS back pain", "seed 001").
    quotes: words read on the source itself that the data relies on.
    reference_lines: lines of the clinical reference that cite it, for sources this repository
        relies on only through the reference (the source itself was not read).
    """

    id: str
    names: tuple[str, ...]
    title: str
    publisher: str
    kind: str
    url: str = ""
    quotes: tuple[str, ...] = field(default=(), repr=False)
    reference_lines: tuple[str, ...] = field(default=(), repr=False)
    note: str = field(default="", repr=False)
