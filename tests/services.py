"""The services some tests need (PostgreSQL, Chromium, espeak-ng): skipped here, required in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(what: str, reason: str) -> NoReturn:
    """Skip a test whose service cannot run on this machine (the reason says what to install); in
    CI, where BACKCOACH_REQUIRE_SERVICES=1 (.ci/run installs every service), fail it instead."""
    if os.environ.get("BACKCOACH_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} cannot run, and BACKCOACH_REQUIRE_SERVICES=1 requires them: {reason}", pytrace=False)
    pytest.skip(f"{what} skipped: {reason}")
