"""What plugins return, checked against the hook contracts before the engine uses it.

A record that breaks its hook's contract raises `PluginError` naming the rule or topic; the
engine records the plugin as failed (a built-in stops start-up) and the others still decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .models import AVOID_ITEMS, LEVELS, TIERS, Finding
from .topics import KNOWN_TOPICS, PLACEHOLDERS, Answer, AnswerLine, placeholders

_AVOID = frozenset(AVOID_ITEMS)
_LEVELS = frozenset(LEVELS)
_TIERS = frozenset(TIERS)


class PluginError(Exception):
    """A plugin returned something the rule layer cannot use."""


def records_of(result: object, kind: type) -> list:
    """The records of a hook result: None, one record, or an iterable of records of `kind`."""
    if result is None:
        return []
    if type(result) in (list, tuple):
        records = result
    elif isinstance(result, kind):
        return [result]
    elif isinstance(result, (str, bytes, Mapping)) or not isinstance(result, Iterable):
        raise PluginError(f"returned {type(result).__name__}, expected {kind.__name__} records")
    else:
        records = list(result)
    for record in records:
        if type(record) is not kind and not isinstance(record, kind):
            raise PluginError(f"returned a {type(record).__name__}, expected {kind.__name__}")
    return list(records)


def check_finding(finding: Finding) -> Finding:
    if not isinstance(finding.rule, str) or not finding.rule:
        raise PluginError("a finding has no rule id")
    if finding.tier is not None and finding.tier not in _TIERS:
        raise PluginError(f"finding {finding.rule!r} has unknown tier {finding.tier!r}")
    if finding.max_activity is not None and finding.max_activity not in _LEVELS:
        raise PluginError(f"finding {finding.rule!r} has unknown level {finding.max_activity!r}")
    if finding.avoid and (isinstance(finding.avoid, str) or not _AVOID.issuperset(finding.avoid)):
        raise PluginError(f"finding {finding.rule!r} has unknown avoid items {finding.avoid!r}")
    return finding


def check_answer(answer: Answer) -> Answer:
    """`answer` if it follows the `backcoach_answers` contract. :raises PluginError: otherwise."""
    if answer.topic not in KNOWN_TOPICS:
        raise PluginError(f"answer for unknown topic {answer.topic!r}; the host knows "
                          f"{', '.join(KNOWN_TOPICS)}")
    if not isinstance(answer.health_advice, bool):
        raise PluginError(f"answer {answer.topic!r}: health_advice must be true or false")
    if isinstance(answer.lines, (str, bytes)) or not answer.lines:
        raise PluginError(f"answer {answer.topic!r} has no lines")
    for n, line in enumerate(answer.lines, 1):
        where = f"answer {answer.topic!r} line {n}"
        if not isinstance(line, AnswerLine):
            raise PluginError(f"{where} is a {type(line).__name__}, expected AnswerLine")
        for field in ("say", "source"):
            value = getattr(line, field)
            if not isinstance(value, str) or not value.strip():
                raise PluginError(f"{where} has no {field}")
        if (isinstance(line.quote, (str, bytes)) or not line.quote
                or not all(isinstance(q, str) and q.strip() for q in line.quote)):
            raise PluginError(f"{where} needs a quote: a tuple of the source's exact words")
        for field in ("if_avoid", "unless_avoid"):
            value = getattr(line, field)
            if value is not None and value not in _AVOID:
                raise PluginError(f"{where}: {field} {value!r} is not an avoid item")
        try:
            unknown = set(placeholders(line.say)) - PLACEHOLDERS
        except ValueError as exc:
            raise PluginError(f"{where}: {exc}") from exc
        if unknown:
            raise PluginError(f"{where} has unknown placeholder(s) {', '.join(sorted(unknown))}")
    return answer
