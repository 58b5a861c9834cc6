"""Built-in plugin `cases`: the built-in plugins' own test cases, run by `backcoach check`.

Data: `plugins/data/cases.toml` (cases pinning the clinical reference's decision rules).
"""

from __future__ import annotations

import functools

from rules import RuleCase, hookimpl
from rules.datafiles import read_cases, read_toml

PACKAGE = "plugins.data"
FILE = "cases.toml"


@functools.cache
def cases() -> tuple[RuleCase, ...]:
    """The built-in test cases, read and validated once."""
    return tuple(read_cases(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_test_cases() -> tuple[RuleCase, ...]:
    return cases()
