"""Read plugin data files (TOML) into rule-layer records, strictly.

Built-in and third-party plugins use the same readers, so a rule pack's stretches, symptoms or
test cases follow the format documented in ``docs/plugin-data.md``. Every error names the file,
the entry and the field; a plugin reads its files once (at rule-set build time), so bad data
stops start-up instead of failing a request.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

from .models import (
    AVOID_ITEMS,
    LEVELS,
    MOVE_KINDS,
    SIDES,
    TIERS,
    Activity,
    ActivityLevel,
    Advice,
    Case,
    Finding,
    Move,
    RuleCase,
    Stretch,
    Symptom,
)
from .topics import (
    KNOWN_TOPICS,
    PLACEHOLDERS,
    SOURCE_KINDS,
    Answer,
    AnswerLine,
    Source,
    placeholders,
)

_MISSING = object()


class DataError(ValueError):
    """A data file does not follow the documented format."""


def read_toml(package: str, name: str) -> dict[str, Any]:
    """Parse the data file `name` shipped inside `package` (e.g. ``"plugins.data"``)."""
    path = resources.files(package).joinpath(name)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{package}/{name}: {exc}") from exc


class Entry:
    """One table of a data file, read field by field with errors that say where."""

    def __init__(self, raw: object, where: str, fields: Iterable[str]) -> None:
        if not isinstance(raw, dict):
            raise DataError(f"{where}: expected a table, got {type(raw).__name__}")
        unknown = set(raw) - set(fields)
        if unknown:
            raise DataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        self.raw = raw
        self.where = where

    def _get(self, key: str, default: object) -> object:
        value = self.raw.get(key, default)
        if value is _MISSING:
            raise DataError(f"{self.where}: missing field {key!r}")
        return value

    def text(self, key: str, default: object = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or (default is _MISSING and not value.strip()):
            raise DataError(f"{self.where}: {key!r} must be non-empty text")
        return value.strip()

    def texts(self, key: str, default: object = ()) -> tuple[str, ...]:
        value = self._get(key, default)
        if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(
                isinstance(v, str) and v.strip() for v in value):
            raise DataError(f"{self.where}: {key!r} must be a list of non-empty texts")
        return tuple(v.strip() for v in value)

    def number(self, key: str, default: object = _MISSING, low: int = 0, high: int = 10_000) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DataError(f"{self.where}: {key!r} must be a whole number from {low} to {high}")
        return value

    def flag(self, key: str, default: object = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise DataError(f"{self.where}: {key!r} must be true or false")
        return value

    def text_or_texts(self, key: str) -> tuple[str, ...]:
        """One non-empty text or a non-empty list of them."""
        value = self._get(key, _MISSING)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise DataError(f"{self.where}: {key!r} must be non-empty text or a non-empty list of texts")
        return tuple(" ".join(v.split()) for v in value)

    def spoken(self, key: str) -> str:
        """Spoken text whose placeholders are all ones the host fills (PLACEHOLDERS)."""
        value = self.text(key)
        try:
            names = placeholders(value)
        except ValueError as exc:
            raise DataError(f"{self.where}: {key!r}: {exc}") from exc
        unknown = sorted(set(names) - PLACEHOLDERS)
        if unknown:
            raise DataError(f"{self.where}: {key!r} has unknown placeholder(s) "
                            f"{', '.join('{' + n + '}' for n in unknown)}; the host fills only "
                            f"{', '.join('{' + n + '}' for n in sorted(PLACEHOLDERS))}")
        return value

    def choice(self, key: str, options: Iterable[str], default: object = _MISSING) -> str:
        value = self._get(key, default)
        options = tuple(options)
        if value not in options:
            raise DataError(f"{self.where}: {key!r} is {value!r}, expected one of {', '.join(options)}")
        return value  # type: ignore[return-value]

    def choices(self, key: str, options: Iterable[str]) -> tuple[str, ...]:
        values = self.texts(key)
        allowed = set(options)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise DataError(f"{self.where}: {key!r} has unknown value(s) {', '.join(bad)}")
        return values


def entries(doc: dict[str, Any], table: str, where: str, fields: Iterable[str]) -> Iterator[Entry]:
    """The entries of the array of tables `table` (``[[table]]``) in a parsed file."""
    fields = tuple(fields)
    raw = doc.get(table, [])
    if not isinstance(raw, list):
        raise DataError(f"{where}: [[{table}]] must be an array of tables")
    for index, item in enumerate(raw):
        name = (item.get("id") or item.get("name") or item.get("level") or item.get("topic")
                if isinstance(item, dict) else None)
        yield Entry(item, f"{where} [[{table}]] #{index + 1}" + (f" ({name})" if name else ""), fields)


def unique(records: list, where: str, key: str = "id") -> list:
    """`records`, after checking that `key` is unique among them."""
    seen: set[str] = set()
    for record in records:
        ident = getattr(record, key)
        if ident in seen:
            raise DataError(f"{where}: duplicate {key} {ident!r}")
        seen.add(ident)
    return records


TIER_OR_NONE = (*TIERS, "none")


def read_symptoms(doc: dict[str, Any], where: str) -> list[tuple[Symptom, Finding]]:
    """``[[symptom]]`` tables (see docs/plugin-data.md): each symptom and the finding it sets off."""
    fields = ("id", "tier", "label", "definition", "synonyms", "source", "cap", "avoid", "note",
              "clarify_yes", "clarify_no")
    pairs = []
    for e in entries(doc, "symptom", where, fields):
        tier = e.choice("tier", TIER_OR_NONE)
        symptom = Symptom(
            id=e.text("id"), label=e.text("label"), definition=e.text("definition"),
            synonyms=e.texts("synonyms"), source=e.text("source"),
            tier=None if tier == "none" else tier,
            clarify_yes=e.text("clarify_yes") if "clarify_yes" in e.raw else None,
            clarify_no=e.text("clarify_no") if "clarify_no" in e.raw else None)
        if symptom.clarify_no is not None and symptom.clarify_yes is None:
            raise DataError(f"{e.where}: clarify_no needs clarify_yes")
        if symptom.clarify_yes is not None and symptom.tier is not None:
            raise DataError(f"{e.where}: a vague complaint (clarify_yes) has tier none until it is clarified")
        effect = symptom.tier.replace("_", " ") if symptom.tier else "no escalation"
        finding = Finding(
            rule=symptom.id, source=symptom.source, tier=symptom.tier,
            max_activity=e.choice("cap", LEVELS) if "cap" in e.raw else None,
            avoid=e.choices("avoid", AVOID_ITEMS) if "avoid" in e.raw else (),
            reason=f"{symptom.id.replace('_', ' ')}: {effect} on its own")
        pairs.append((symptom, finding))
    unique([symptom for symptom, _ in pairs], where)
    return pairs


def read_stretches(doc: dict[str, Any], where: str) -> list[Stretch]:
    """``[[stretch]]`` tables with their ``[[stretch.move]]`` tables.

    The file may set defaults for every stretch: ``position_seconds`` and ``settle_seconds``.
    """
    fields = ("id", "name", "synonyms", "position", "earliest", "tags", "contraindications",
              "stop_if", "setup", "repetitions", "finish", "source", "note", "move",
              "position_seconds", "settle_seconds")
    defaults = Entry({k: doc[k] for k in ("position_seconds", "settle_seconds") if k in doc}, where,
                     ("position_seconds", "settle_seconds"))
    position = defaults.number("position_seconds", Stretch.position_seconds, 0, 30)
    settle = defaults.number("settle_seconds", Stretch.settle_seconds, 0, 10)
    stretches = []
    for e in entries(doc, "stretch", where, fields):
        repetitions = e.number("repetitions", low=1, high=30)
        moves = tuple(_move(m) for m in entries(e.raw, "move", e.where, MOVE_FIELDS))
        if not moves:
            raise DataError(f"{e.where}: a stretch needs at least one [[stretch.move]]")
        stretches.append(Stretch(
            id=e.text("id"), name=e.text("name"), synonyms=e.texts("synonyms"),
            position=e.text("position"), earliest=e.choice("earliest", LEVELS[1:]),
            stop_if=e.text("stop_if"), setup=e.texts("setup"), moves=moves,
            repetitions=repetitions, source=e.text("source"),
            tags=e.choices("tags", AVOID_ITEMS) if "tags" in e.raw else (),
            contraindications=frozenset(e.texts("contraindications")),
            finish=e.text("finish", ""),
            position_seconds=e.number("position_seconds", position, 0, 30),
            settle_seconds=e.number("settle_seconds", settle, 0, 10)))
    return unique(stretches, where)


MOVE_FIELDS = ("say", "hold", "cue", "side", "kind", "note")


def _move(m: Entry) -> Move:
    """One ``[[stretch.move]]`` (without a `cue`, later repetitions say `say` again)."""
    move = Move(m.text("say"), m.number("hold", 0, 0, 120), cue=m.text("cue", ""),
                side=m.choice("side", ("", *SIDES), ""), kind=m.choice("kind", MOVE_KINDS, "hold"))
    if move.kind == "breath" and not move.hold:
        raise DataError(f"{m.where}: a 'breath' move needs its seconds in 'hold'")
    return move


def read_activities(doc: dict[str, Any], where: str) -> list[Activity]:
    """``[[activity]]`` tables."""
    fields = ("id", "name", "synonyms", "least", "source", "note")
    return unique([
        Activity(id=e.text("id"), name=e.text("name"), synonyms=e.texts("synonyms"),
                 least=e.choice("least", LEVELS), source=e.text("source"))
        for e in entries(doc, "activity", where, fields)], where)


def read_advice(doc: dict[str, Any], where: str) -> list[Advice]:
    """``[[advice]]`` tables."""
    kinds = ("relief", "before_stretching", "safety_net", "when_to_see_doctor")
    return unique([
        Advice(id=e.text("id"), kind=e.choice("kind", kinds), say=e.texts("say"), source=e.text("source"))
        for e in entries(doc, "advice", where, ("id", "kind", "say", "source", "note"))], where)


def read_levels(doc: dict[str, Any], where: str) -> list[ActivityLevel]:
    """``[[level]]`` tables of the activity ladder."""
    return unique([
        ActivityLevel(id=e.choice("id", LEVELS), summary=e.text("summary"), adds=e.text("adds"),
                      avoid=e.choices("avoid", AVOID_ITEMS), source=e.text("source"))
        for e in entries(doc, "level", where, ("id", "summary", "adds", "avoid", "source", "note"))], where)


def read_cases(doc: dict[str, Any], where: str) -> list[RuleCase]:
    """``[[case]]`` tables: plugin test cases."""
    fields = ("name", "days", "pain", "symptoms", "age", "activity", "expect_tier",
              "expect_activity", "expect_avoid", "expect_activity_allowed", "expect_routine_includes",
              "expect_routine_excludes", "note")
    cases = []
    for e in entries(doc, "case", where, fields):
        try:
            case = Case(days_since_onset=e.raw.get("days"), pain=e.raw.get("pain"),
                        symptoms=frozenset(e.texts("symptoms")), age=e.raw.get("age"),
                        activity=e.raw.get("activity"))
        except ValueError as exc:
            raise DataError(f"{e.where}: {exc}") from exc
        allowed = e.raw.get("expect_activity_allowed")
        if allowed is not None and not isinstance(allowed, bool):
            raise DataError(f"{e.where}: 'expect_activity_allowed' must be true or false")
        cases.append(RuleCase(
            name=e.text("name"), case=case, expect_tier=e.choice("expect_tier", TIERS),
            expect_activity=e.choice("expect_activity", LEVELS),
            expect_avoid=e.choices("expect_avoid", AVOID_ITEMS) if "expect_avoid" in e.raw else None,
            expect_activity_allowed=allowed,
            expect_routine_includes=e.texts("expect_routine_includes"),
            expect_routine_excludes=e.texts("expect_routine_excludes")))
    return unique(cases, where, key="name")


def read_answers(doc: dict[str, Any], where: str) -> list[Answer]:
    """``[[answer]]`` tables with their ``[[answer.line]]`` tables (see docs/plugin-data.md)."""
    fields = ("topic", "health_advice", "line", "note")
    line_fields = ("say", "source", "quote", "if_avoid", "unless_avoid", "note")
    answers = []
    for e in entries(doc, "answer", where, fields):
        topic = e.choice("topic", KNOWN_TOPICS)
        lines = tuple(
            AnswerLine(say=line.spoken("say"), source=line.text("source"),
                       quote=line.text_or_texts("quote"),
                       if_avoid=line.choice("if_avoid", AVOID_ITEMS) if "if_avoid" in line.raw else None,
                       unless_avoid=(line.choice("unless_avoid", AVOID_ITEMS)
                                     if "unless_avoid" in line.raw else None))
            for line in entries(e.raw, "line", e.where, line_fields))
        if not lines:
            raise DataError(f"{e.where}: an answer needs at least one [[answer.line]]")
        answers.append(Answer(topic=topic, lines=lines, health_advice=e.flag("health_advice")))
    return unique(answers, where, key="topic")


def read_sources(doc: dict[str, Any], where: str) -> list[Source]:
    """``[[source]]`` tables: the bibliography that records' ``source`` strings cite."""
    fields = ("id", "names", "title", "publisher", "kind", "url", "quotes", "reference_lines", "note")
    sources = []
    for e in entries(doc, "source", where, fields):
        url = e.text("url", "")
        if url and not url.startswith(("https://", "http://")):
            raise DataError(f"{e.where}: 'url' must start with https:// or http://")
        names = e.texts("names")
        if not names:
            raise DataError(f"{e.where}: 'names' must list how records cite this source")
        source = Source(
            id=e.text("id"), names=names, title=e.text("title"), publisher=e.text("publisher"),
            kind=e.choice("kind", SOURCE_KINDS), url=url,
            quotes=tuple(" ".join(q.split()) for q in e.texts("quotes")),
            reference_lines=tuple(" ".join(q.split()) for q in e.texts("reference_lines")),
            note=e.text("note", ""))
        if not (source.quotes or source.reference_lines):
            raise DataError(f"{e.where}: a source needs 'quotes' (read on the source) or "
                            "'reference_lines' (the clinical reference's lines that cite it)")
        sources.append(source)
    unique(sources, where)
    seen: dict[str, str] = {}
    for source in sources:
        for name in source.names:
            key = name.casefold()
            if key in seen:
                raise DataError(f"{where}: name {name!r} is claimed by both {seen[key]!r} and {source.id!r}")
            seen[key] = source.id
    return sources
