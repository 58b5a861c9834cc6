"""Built-in plugin `routine`: today's stretch routine for a case (the general default, `trylast`).

Data: `plugins/data/routines.toml` (an ordered routine per ladder level). The host has already
removed every stretch the case does not allow; this plugin only picks and orders.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rules import LEVELS, Assessment, Case, Stretch, hookimpl
from rules.datafiles import DataError, entries, read_toml

PACKAGE = "plugins.data"
FILE = "routines.toml"


@functools.cache
def routines() -> dict[str, tuple[str, ...]]:
    """Level -> ordered stretch ids, read and validated once."""
    doc = read_toml(PACKAGE, FILE)
    table: dict[str, tuple[str, ...]] = {}
    for e in entries(doc, "routine", FILE, ("level", "stretches", "source", "note")):
        level = e.choice("level", LEVELS[1:])
        if level in table:
            raise DataError(f"{e.where}: a second routine for level {level!r}")
        table[level] = e.texts("stretches")
    return table


@hookimpl(trylast=True)
def backcoach_choose_routine(
    case: Case, assessment: Assessment, candidates: Sequence[Stretch]
) -> list[str]:
    """The routine written for the highest level at or below today's, minus what is not allowed."""
    table = routines()
    allowed = {s.id for s in candidates}
    limit = LEVELS.index(assessment.max_activity)
    for level in reversed(LEVELS[1:limit + 1]):
        if level in table:
            return [ident for ident in table[level] if ident in allowed]
    return [s.id for s in candidates]
