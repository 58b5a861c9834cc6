"""backcoach-desk-pack: a sitting-friendly routine, wall sits and a sitting-breaks tip.

An ordinary Back Coach rule plugin, found through the ``backcoach.rules`` entry point. Its
content lives in ``desk.toml`` and is read with the same readers as the built-in plugins.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rules import LEVELS, Advice, Assessment, Case, RuleCase, Stretch, hookimpl
from rules.datafiles import entries, read_advice, read_cases, read_stretches, read_toml

FILE = "desk.toml"


@functools.cache
def data() -> dict:
    return read_toml(__name__, FILE)


@hookimpl
def backcoach_stretches() -> list[Stretch]:
    return read_stretches(data(), FILE)


@hookimpl
def backcoach_advice() -> list[Advice]:
    return read_advice(data(), FILE)


@hookimpl
def backcoach_test_cases() -> list[RuleCase]:
    return read_cases(data(), FILE)


@functools.cache
def routines() -> dict[str, tuple[str, ...]]:
    return {e.choice("level", LEVELS[1:]): e.texts("stretches")
            for e in entries(data(), "routine", FILE, ("level", "stretches", "source", "note"))}


@hookimpl
def backcoach_choose_routine(
    case: Case, assessment: Assessment, candidates: Sequence[Stretch]
) -> list[str] | None:
    """The desk routine for the highest level at or below today's; None lets the built-in choose."""
    allowed = {s.id for s in candidates}
    limit = LEVELS.index(assessment.max_activity)
    for level in reversed(LEVELS[1:limit + 1]):
        if level in routines():
            return [ident for ident in routines()[level] if ident in allowed]
    return None
