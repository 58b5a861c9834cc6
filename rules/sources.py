"""The project's own sources: resolve records' ``source`` strings, and report every citation.

A record's ``source`` is text in the data's citation style: parts separated by ``;``, each a
source's name, optionally followed by a locator: ``"clinical reference, activity ladder"``,
``"NHS back pain (999 list)"``. ``"seeds 000, 003, 004"`` names three seed articles. Each part
resolves to one :class:`~rules.models.Source` of the bibliography (``backcoach_sources``; the
built-in one is ``plugins/data/sources.toml``) by its longest matching name.

``backcoach sources`` prints, for every answer line (and with ``--all`` every record), the
data file, the text and its citations; ``backcoach sources --markdown`` writes ``SOURCES.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .engine import RuleSet
from .topics import KNOWN_TOPICS, Answer, Source

#: "seed 000", "seeds 000, 003, 004", "seeds 000/001/004", "seeds 001 and 004"
_SEEDS = re.compile(r"^seeds?\s+(\d{3}(?:\s*(?:,|/|and)\s*\d{3})*)(.*)$", re.IGNORECASE)
#: characters that may follow a source's name in a part ("NHS back pain (999 list)")
_AFTER_NAME = " ,:("


@dataclass(frozen=True)
class Citation:
    """One part of a ``source`` string and the source it names (None when no name matches).

    text: the part as written; locator: what follows the name ("activity ladder", "(999 list)").
    """

    text: str
    source: Source | None
    locator: str = ""

    def as_dict(self) -> dict[str, object]:
        s = self.source
        return {"text": self.text, "locator": self.locator,
                "source": None if s is None else {"id": s.id, "title": s.title,
                                                  "publisher": s.publisher, "url": s.url}}


def split_source(text: str) -> list[str]:
    """The parts of a ``source`` string: split on ``;`` outside parentheses and quotes."""
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth = max(0, depth - 1)
        if char == ";" and not depth and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


class Bibliography:
    """Sources by id and by name, and the resolver of ``source`` strings."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources: dict[str, Source] = {s.id: s for s in sources}
        names = [(name.casefold(), s) for s in self.sources.values() for name in s.names]
        self._names = sorted(names, key=lambda pair: -len(pair[0]))

    def cite(self, text: str) -> tuple[Citation, ...]:
        """Every part of `text`, each with the source it names."""
        citations: list[Citation] = []
        for part in split_source(text):
            seeds = _SEEDS.match(part)
            if seeds:
                locator = seeds.group(2).strip(_AFTER_NAME + ")")
                for number in re.findall(r"\d{3}", seeds.group(1)):
                    found = self._match(f"seed {number}")
                    citations.append(Citation(part, found.source, locator))
                continue
            citations.append(self._match(part))
        return tuple(citations)

    def unresolved(self, text: str) -> list[str]:
        """The parts of `text` that name no known source."""
        return [c.text for c in self.cite(text) if c.source is None]

    def _match(self, part: str) -> Citation:
        low = part.casefold()
        for name, source in self._names:
            if low == name or (low.startswith(name) and low[len(name)] in _AFTER_NAME):
                return Citation(part, source, part[len(name):].strip(" ,:"))
        return Citation(part, None)


def bibliography(rules: RuleSet) -> Bibliography:
    """The bibliography of a rule set (every plugin's ``backcoach_sources``)."""
    return Bibliography(rules.sources.values())


def data_file(rules: RuleSet, plugins: str) -> str:
    """Where a plugin's data lives, for people: ``plugins/data/answers.toml``.

    A plugin module names its data file in ``FILE`` and, when it reads it from another package
    than its own, that package in ``PACKAGE`` (the built-ins: ``"plugins.data"``).
    """
    files = []
    for name in plugins.split(", "):
        module = rules.pm.get_plugin(name)
        file = getattr(module, "FILE", "")
        if not isinstance(file, str) or not file:
            continue
        package = getattr(module, "PACKAGE", None) or getattr(module, "__name__", "")
        files.append(f"{package.replace('.', '/')}/{file}")
    return ", ".join(files)


@dataclass(frozen=True)
class CitedLine:
    """One answer line with its citations, as ``backcoach sources`` shows it."""

    number: int
    say: str
    condition: str
    source: str
    quote: tuple[str, ...]
    citations: tuple[Citation, ...]

    def as_dict(self) -> dict[str, object]:
        return {"line": self.number, "say": self.say, "condition": self.condition,
                "source": self.source, "quote": list(self.quote),
                "citations": [c.as_dict() for c in self.citations]}


@dataclass(frozen=True)
class CitedAnswer:
    """An answer of the rule set with the plugin and data file it comes from."""

    topic: str
    plugin: str
    file: str
    health_advice: bool
    lines: tuple[CitedLine, ...]

    def as_dict(self) -> dict[str, object]:
        return {"topic": self.topic, "plugin": self.plugin, "file": self.file,
                "health_advice": self.health_advice, "lines": [line.as_dict() for line in self.lines]}


@dataclass(frozen=True)
class CitedRecord:
    """A catalogue record (symptom, level, stage, stretch, activity, advice) and its citations."""

    kind: str
    ident: str
    plugin: str
    file: str
    source: str
    citations: tuple[Citation, ...]

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.ident, "plugin": self.plugin, "file": self.file,
                "source": self.source, "citations": [c.as_dict() for c in self.citations]}


def _condition(line) -> str:
    parts = []
    if line.if_avoid:
        parts.append(f"only while {line.if_avoid} is to be avoided")
    if line.unless_avoid:
        parts.append(f"only once {line.unless_avoid} is allowed")
    return "; ".join(parts)


def cited_answers(rules: RuleSet, topic: str | None = None) -> list[CitedAnswer]:
    """Every answer of the rule set (or the one of `topic`), in KNOWN_TOPICS order.

    :raises ValueError: for a topic no plugin answers.
    """
    if topic is not None and topic not in rules.answers:
        known = ", ".join(t for t in KNOWN_TOPICS if t in rules.answers) or "none"
        raise ValueError(f"--topic: no answer for {topic!r}; answered topics: {known}")
    bib = bibliography(rules)
    order = [t for t in KNOWN_TOPICS if t in rules.answers]
    result = []
    for t in order if topic is None else [topic]:
        answer: Answer = rules.answers[t]
        plugin = rules.answered_by[t]
        lines = tuple(CitedLine(n, line.say, _condition(line), line.source, line.quote,
                                bib.cite(line.source))
                      for n, line in enumerate(answer.lines, 1))
        result.append(CitedAnswer(t, plugin, data_file(rules, plugin), answer.health_advice, lines))
    return result


#: (kind, hook, RuleSet attribute) of the catalogue records ``--all`` lists
_KINDS = (
    ("symptom", "backcoach_symptoms", "symptoms"),
    ("level", "backcoach_activity_levels", "levels"),
    ("stage", "backcoach_timeline", "stages"),
    ("stretch", "backcoach_stretches", "stretches"),
    ("activity", "backcoach_activities", "activities"),
    ("advice", "backcoach_advice", "advice"),
)


def cited_records(rules: RuleSet) -> Iterator[CitedRecord]:
    """Every catalogue record of the rule set with its citations, kind by kind."""
    bib = bibliography(rules)
    for kind, hook, attribute in _KINDS:
        for ident, record in getattr(rules, attribute).items():
            plugin = rules.origins.get((hook, ident), "")
            yield CitedRecord(kind, ident, plugin, data_file(rules, plugin), record.source,
                              bib.cite(record.source))


# ---------------------------------------------------------------------------------- rendering
def _cite_text(c: Citation) -> str:
    if c.source is None:
        return f"UNRESOLVED: {c.text}"
    s = c.source
    where = f", {c.locator}" if c.locator and not c.text.casefold().startswith("seed") else ""
    return f"{s.title}; {s.publisher}{where}" + (f"; {s.url}" if s.url else "")


def render_text(answers: list[CitedAnswer], records: list[CitedRecord] | None) -> str:
    out = []
    for a in answers:
        advice = "health advice" if a.health_advice else "general information"
        out.append(f"{a.topic}  [{a.plugin}: {a.file or 'no data file'}; {advice}]")
        for line in a.lines:
            when = f" ({line.condition})" if line.condition else ""
            out.append(f"  {line.number}. {line.say}{when}")
            out.extend(f"       - {_cite_text(c)}" for c in line.citations)
    for r in records or ():
        out.append(f"{r.kind} {r.ident}  [{r.plugin}: {r.file or 'no data file'}]")
        out.extend(f"       - {_cite_text(c)}" for c in r.citations)
    return "\n".join(out) + "\n"


def render_json(answers: list[CitedAnswer], records: list[CitedRecord] | None) -> dict[str, object]:
    data: dict[str, object] = {"answers": [a.as_dict() for a in answers]}
    if records is not None:
        data["records"] = [r.as_dict() for r in records]
    return data


def _md(text: str) -> str:
    """`text` safe inside a Markdown table cell or list item."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_cite(c: Citation) -> str:
    if c.source is None:
        return f"**unresolved:** {_md(c.text)}"
    s = c.source
    title = f"[{_md(s.title)}]({s.url})" if s.url else _md(s.title)
    where = f", {_md(c.locator)}" if c.locator else ""
    return f"{title} ({_md(s.publisher)}, `{s.id}`){where}"


def render_markdown(rules: RuleSet) -> str:
    """SOURCES.md: the bibliography, every answer line and every record with its citations."""
    bib = bibliography(rules)
    out = [
        "# Sources",
        "",
        "<!-- Generated by `backcoach sources --markdown > SOURCES.md` from the built-in plugins.",
        "     Do not edit: change plugins/data/*.toml and regenerate (a test fails when this file",
        "     is stale). -->",
        "",
        "Every spoken medical statement of Back Coach comes from a record of the built-in plugins'",
        "data (`plugins/data/*.toml`), and every record names its sources. This file lists the",
        "sources (`plugins/data/sources.toml`), then each answer line with the source and the",
        "exact words that back it, then every other record with the sources it cites.",
        "",
        "Sources marked *via the clinical reference* were not read for this repository: the data",
        "relies on what the clinical reference (itself quoted below) says of them.",
        "",
        "## Bibliography",
        "",
    ]
    for s in bib.sources.values():
        out.append(f"### {_md(s.title)} (`{s.id}`)")
        out.append("")
        out.append(f"- Publisher: {_md(s.publisher)}")
        out.append(f"- Kind: {s.kind}")
        out.append(f"- URL: {s.url}" if s.url else "- URL: none")
        out.append(f"- Cited in the data as: {', '.join(f'`{_md(n)}`' for n in s.names)}")
        if s.note:
            out.append(f"- Note: {_md(s.note)}")
        if s.quotes:
            out.append("- Quoted:")
            out.extend(f"  - \"{_md(q)}\"" for q in s.quotes)
        if s.reference_lines:
            out.append("- Via the clinical reference:" if not s.quotes else "- The clinical reference says:")
            out.extend(f"  - \"{_md(q)}\"" for q in s.reference_lines)
        out.append("")
    out += ["## Answers", ""]
    for a in cited_answers(rules):
        advice = "health advice" if a.health_advice else "general information"
        out.append(f"### `{a.topic}` ({a.file}, plugin `{a.plugin}`, {advice})")
        out.append("")
        for line in a.lines:
            when = f" *({line.condition})*" if line.condition else ""
            out.append(f"{line.number}. {_md(line.say)}{when}")
            for c in line.citations:
                out.append(f"   - {_md_cite(c)}")
            for q in line.quote:
                out.append(f"   - > {_md(q)}")
        out.append("")
    out += ["## Every other record", "",
            "Each record's `source` as written in its data file, and the bibliography ids it resolves to.", "",
            "| file | record | source | cites |", "|---|---|---|---|"]
    for r in cited_records(rules):
        cites = ", ".join(dict.fromkeys(f"`{c.source.id}`" if c.source else f"**unresolved:** {_md(c.text)}"
                                        for c in r.citations))
        out.append(f"| {r.file} | {r.kind} `{r.ident}` | {_md(r.source)} | {cites} |")
    return "\n".join(out) + "\n"
