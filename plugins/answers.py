"""Built-in plugin `answers`: everyday questions after a back spasm (painkillers, recovery time,
work, driving, sleep, sex, heat or ice, "is it serious?", "what caused it?").

Data: `plugins/data/answers.toml`: one short, conservative, sourced sentence per line, each with
the source that backs it and that source's exact words (`plugins/data/sources.toml` holds the
bibliography). A clinic's rule pack overrides an answer by answering the same topic.
"""

from __future__ import annotations

import functools

from rules import Answer, hookimpl
from rules.datafiles import read_answers, read_toml

PACKAGE = "plugins.data"
FILE = "answers.toml"


@functools.cache
def answers() -> tuple[Answer, ...]:
    """The built-in answers, read and validated once."""
    return tuple(read_answers(read_toml(PACKAGE, FILE), FILE))


@hookimpl
def backcoach_answers() -> tuple[Answer, ...]:
    return answers()
