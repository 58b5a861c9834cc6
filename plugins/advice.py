"""Built-in plugin `advice`: relief tips, stretching safety rules, safety nets, when to see a doctor.

Data: `plugins/data/advice.toml` (the clinical reference's relief tips and universal stop rules).
"""

from __future__ import annotations

import functools

from rules import Advice, hookimpl
from rules.datafiles import read_advice, read_toml

PACKAGE = "plugins.data"
FILE = "advice.toml"


@functools.cache
def advice() -> tuple[Advice, ...]:
    """The built-in advice, read and validated once."""
    return tuple(read_advice(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_advice() -> tuple[Advice, ...]:
    return advice()
