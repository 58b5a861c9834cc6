"""Logging that never carries personal data.

Back Coach logs request ids, routes (intent names), outcomes and latency only: one line per
request at DEBUG (set BACKCOACH_LOG_LEVEL=DEBUG to see them), refused requests at INFO. ask-sdk's own
loggers and werkzeug's request log are kept at WARNING so that nothing logs envelopes, slot
values or user ids at any level.
"""

from __future__ import annotations

import logging

QUIET = ("ask_sdk_core", "ask_sdk_runtime", "ask_sdk_model", "werkzeug", "urllib3", "psycopg",
         "psycopg.pool")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Give `backcoach`, `skill`, `rules` and `plugins` loggers a level; quiet chatty libraries."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT)
    for name in ("backcoach", "skill", "rules", "plugins"):
        logging.getLogger(name).setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
