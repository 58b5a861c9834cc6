"""Built-in plugin `sources`: the bibliography the built-in data cites.

Data: `plugins/data/sources.toml`: one `[[source]]` per source (the clinical reference, each seed
article, each guideline and web page), with the names records use for it, its title, publisher,
URL where one exists and the quotes the data relies on. `backcoach sources` resolves every
record's `source` string against it; `SOURCES.md` is generated from it.
"""

from __future__ import annotations

import functools

from rules import Source, hookimpl
from rules.datafiles import read_sources, read_toml

PACKAGE = "plugins.data"
FILE = "sources.toml"


@functools.cache
def bibliography() -> tuple[Source, ...]:
    """The built-in sources, read and validated once."""
    return tuple(read_sources(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_sources() -> tuple[Source, ...]:
    return bibliography()
