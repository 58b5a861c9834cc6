"""Target (3) and (4): Back Coach itself, verification on through the documented seams.

The database comes from BACKCOACH_DATABASE_URL (SQLite by default, PostgreSQL for target 4);
extra rule plugins come from entry points on PYTHONPATH (the plugin-scaling run).
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.ca import ENV, verification_config
from skill.app import create_app


def build():
    return create_app({"VERIFY_SIGNATURE": True, **verification_config(Path(os.environ[ENV]))})


app = build() if ENV in os.environ else None
