"""What handlers need from the application, built once by `create_app` and shared by all requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rules import RuleSet


@dataclass(frozen=True)
class Services:
    """rules: the combined rule set; timezone: (api_endpoint, device_id, token) -> IANA name;
    remember_health: keep onset and pain between sessions (HIPAA-eligible deployments only)."""

    rules: RuleSet
    timezone: Callable[[str | None, str | None, str | None], str]
    remember_health: bool = False
