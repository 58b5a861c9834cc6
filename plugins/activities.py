"""Built-in plugin `activities`: what users ask to do ("can I go running?") and when it opens.

Data: `plugins/data/activities.toml` (the clinical reference's activity table: each activity
with the least ladder level that allows it).
"""

from __future__ import annotations

import functools

from rules import Activity, hookimpl
from rules.datafiles import read_activities, read_toml

PACKAGE = "plugins.data"
FILE = "activities.toml"


@functools.cache
def activities() -> tuple[Activity, ...]:
    """The built-in activities, read and validated once."""
    return tuple(read_activities(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_activities() -> tuple[Activity, ...]:
    return activities()
