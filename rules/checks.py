"""Plugin test cases (`backcoach_test_cases`) run against the combined rules: `backcoach check`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import RuleCase, ordered_avoid

if TYPE_CHECKING:
    from .engine import RuleSet


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one plugin test case against the combined rules."""

    plugin: str
    case: RuleCase
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def check_cases(rules: RuleSet) -> list[CheckResult]:
    """Every plugin's test cases against `rules`, each with what differs from its expectation."""
    return [CheckResult(plugin, rc, tuple(_problems(rules, rc))) for plugin, rc in rules.test_cases()]


def _problems(rules: RuleSet, rc: RuleCase) -> Iterator[str]:
    try:
        got = rules.assess(rc.case)
    except ValueError as exc:
        yield f"case is invalid: {exc}"
        return
    if got.tier != rc.expect_tier:
        yield f"tier: expected {rc.expect_tier}, got {got.tier}"
    if got.max_activity != rc.expect_activity:
        yield f"max_activity: expected {rc.expect_activity}, got {got.max_activity}"
    if rc.expect_avoid is not None and set(got.avoid) != set(rc.expect_avoid):
        yield f"avoid: expected {', '.join(ordered_avoid(rc.expect_avoid))}; got {', '.join(got.avoid)}"
    if rc.expect_activity_allowed is not None:
        allowed = got.activity.allowed if got.activity else None
        if allowed != rc.expect_activity_allowed:
            yield f"activity allowed: expected {rc.expect_activity_allowed}, got {allowed}"
    if rc.expect_routine_includes or rc.expect_routine_excludes:
        routine = {s.id for s in rules.routine(rc.case, got)}
        missing = [i for i in rc.expect_routine_includes if i not in routine]
        unwanted = [i for i in rc.expect_routine_excludes if i in routine]
        if missing:
            yield f"routine: expected {', '.join(missing)} in it, got {', '.join(sorted(routine)) or 'none'}"
        if unwanted:
            yield f"routine: expected {', '.join(unwanted)} not in it"
