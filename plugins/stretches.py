"""Built-in plugin `stretches`: the stretch catalogue with spoken steps, holds and safety limits.

Data: `plugins/data/stretches.toml` (every stretch of the clinical reference, with its earliest
level, contraindications, stop-if warning, dose and source).
"""

from __future__ import annotations

import functools

from rules import Stretch, hookimpl
from rules.datafiles import read_stretches, read_toml

PACKAGE = "plugins.data"
FILE = "stretches.toml"


@functools.cache
def catalogue() -> tuple[Stretch, ...]:
    """The built-in stretches, read and validated once."""
    return tuple(read_stretches(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_stretches() -> tuple[Stretch, ...]:
    return catalogue()
