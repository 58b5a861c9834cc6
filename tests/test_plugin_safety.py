"""Safety is the host's job: isolation, refused wrappers, fail closed, order independence."""

from __future__ import annotations

import itertools
import logging

import pluggy
import pytest

import plugins.red_flags
import plugins.timeline
from rules import Case, Finding, RuleSet, assess, build_plugin_manager, hookimpl

EMERGENCY_CASE = Case(days_since_onset=30, pain=0, symptoms={"saddle_numbness"})


class CrashingFirst:
    """A third-party plugin that insists on running first, then crashes."""

    @hookimpl(tryfirst=True)
    def backcoach_red_flags(self, case):
        raise RuntimeError("boom")

    @hookimpl(tryfirst=True)
    def backcoach_exercise_timing(self, case):
        raise RuntimeError("boom")


class Garbage:
    """Returns things that are not findings."""

    @hookimpl(tryfirst=True)
    def backcoach_red_flags(self, case):
        return {"tier": "self_care"}

    @hookimpl
    def backcoach_exercise_timing(self, case):
        return [Finding(rule="x", source="y", max_activity="flying")]


class Reassuring:
    """A plugin that finds nothing wrong and allows everything."""

    @hookimpl(tryfirst=True)
    def backcoach_red_flags(self, case):
        return [Finding(rule="all_good", source="wishful thinking", tier="self_care")]

    @hookimpl(tryfirst=True)
    def backcoach_exercise_timing(self, case):
        return [Finding(rule="go_for_it", source="wishful thinking", max_activity="normal")]


class StricterClinic:
    """A plugin that is more conservative than the built-ins."""

    @hookimpl
    def backcoach_red_flags(self, case):
        if "morning_stiffness" in case.symptoms:
            return [Finding(rule="stiffness_urgent", source="clinic protocol", tier="urgent")]
        return None

    @hookimpl
    def backcoach_exercise_timing(self, case):
        return [Finding(rule="slow_start", source="clinic protocol", max_activity="light_activity",
                        avoid=("forward bends",))]


@pytest.mark.parametrize("plugin", [CrashingFirst(), Garbage(), Reassuring()])
def test_a_bad_or_reassuring_plugin_cannot_turn_an_emergency_into_less(pm, plugin, caplog):
    pm.register(plugin, name="third_party")
    a = RuleSet(pm).assess(EMERGENCY_CASE)
    assert a.tier == "emergency"
    assert a.max_activity == "none"
    assert {"exercise", "stretching", "waiting to see"} <= set(a.avoid)
    assert not a.fail_closed


def test_a_crashing_plugin_is_recorded_in_the_trace_and_logged(pm, caplog):
    pm.register(CrashingFirst(), name="crasher")
    with caplog.at_level(logging.ERROR):
        a = RuleSet(pm).assess(Case(days_since_onset=5, pain=2))
    errors = [e for e in a.trace if e.plugin == "crasher"]
    assert {e.hook for e in errors} == {"backcoach_red_flags", "backcoach_exercise_timing"}
    assert all("RuntimeError" in e.outcome for e in errors)
    assert "crasher" in caplog.text
    assert (a.tier, a.max_activity) == ("self_care", "gentle_stretching")  # the others still decide


def test_garbage_is_ignored_with_a_reason(pm):
    pm.register(Garbage(), name="garbage")
    a = RuleSet(pm).assess(Case(days_since_onset=5, pain=2))
    outcomes = " ".join(e.outcome for e in a.trace if e.plugin == "garbage")
    assert "expected Finding" in outcomes and "flying" in outcomes
    assert a.max_activity == "gentle_stretching"


def test_a_stricter_plugin_makes_answers_more_conservative(pm):
    pm.register(StricterClinic(), name="clinic")
    rules = RuleSet(pm)
    a = rules.assess(Case(days_since_onset=30, pain=0))
    assert a.max_activity == "light_activity" and "forward bends" in a.avoid
    assert any(e.plugin == "clinic" and e.decisive for e in a.trace)
    b = rules.assess(Case(days_since_onset=30, pain=0, symptoms={"morning_stiffness"}))
    assert (b.tier, b.max_activity) == ("urgent", "none")


def test_the_built_in_red_flag_check_failing_fails_closed(pm, monkeypatch):
    def broken():
        raise OSError("data file unreadable")
    rules = RuleSet(pm)  # the catalogue is read at start-up; the check breaks afterwards
    monkeypatch.setattr(plugins.red_flags, "red_flags", broken)
    a = rules.assess(Case(days_since_onset=30, pain=0))
    assert a.fail_closed
    assert a.tier == "urgent" and a.max_activity == "none"
    assert {"exercise", "stretching", "waiting to see"} <= set(a.avoid)
    assert any(e.rule == "fail_closed" and e.decisive for e in a.trace)


def test_a_third_party_emergency_still_wins_when_the_built_in_check_fails(pm, monkeypatch):
    class Emergency:
        @hookimpl
        def backcoach_red_flags(self, case):
            return [Finding(rule="always", source="test", tier="emergency")]
    pm.register(Emergency(), name="emergency")
    rules = RuleSet(pm)
    monkeypatch.setattr(plugins.red_flags, "red_flags", lambda: 1 / 0)
    assert rules.assess(Case(days_since_onset=30, pain=0)).tier == "emergency"


def test_the_built_in_timeline_failing_caps_activity_at_rest(pm, monkeypatch):
    rules = RuleSet(pm)
    monkeypatch.setattr(plugins.timeline, "timeline", lambda: 1 / 0)
    a = rules.assess(Case(days_since_onset=50, pain=0))
    assert a.max_activity == "rest"
    assert any(e.plugin == "timeline" and "ZeroDivisionError" in e.outcome for e in a.trace)


@pytest.mark.parametrize("style", ["hookwrapper", "wrapper"])
def test_wrappers_on_the_red_flag_hook_are_refused(pm, style):
    class Wrapper:
        if style == "hookwrapper":
            @hookimpl(hookwrapper=True)
            def backcoach_red_flags(self, case):
                outcome = yield
                outcome.force_result([])
        else:
            @hookimpl(wrapper=True)
            def backcoach_red_flags(self, case):
                yield
                return []
    with pytest.raises(pluggy.PluginValidationError, match="wrappers .* refused"):
        pm.register(Wrapper(), name="wrapper")
    assert pm.get_plugin("wrapper") is None
    assert RuleSet(pm).assess(EMERGENCY_CASE).tier == "emergency"


def test_a_misspelt_hook_is_refused(pm):
    class Typo:
        @hookimpl
        def backcoach_red_flag(self, case):  # missing "s"
            return []
    with pytest.raises(pluggy.PluginValidationError, match="backcoach_red_flag.*misspelt"):
        pm.register(Typo(), name="typo")


def test_an_undecorated_misspelt_hook_is_refused_too(pm):
    class Typo:
        def backcoach_exercise_timings(self, case):
            return []
    with pytest.raises(pluggy.PluginValidationError, match="misspelt"):
        pm.register(Typo(), name="typo")


def test_the_answer_does_not_depend_on_registration_order():
    plugins_ = [("crasher", CrashingFirst), ("reassuring", Reassuring), ("clinic", StricterClinic),
                ("garbage", Garbage)]
    cases = [EMERGENCY_CASE, Case(days_since_onset=30, pain=0, symptoms={"morning_stiffness"}),
             Case(days_since_onset=9, pain=3, symptoms={"pain_down_leg"}), Case(pain=8)]
    answers = set()
    for order in itertools.permutations(plugins_):
        pm = build_plugin_manager(disabled="")
        for name, cls in order:
            pm.register(cls(), name=name)
        rules = RuleSet(pm)
        answers.add(tuple((a.tier, a.max_activity, a.avoid) for a in map(rules.assess, cases)))
    assert len(answers) == 1


def test_assess_accepts_an_explicit_plugin_manager(pm):
    pm.register(StricterClinic(), name="clinic")
    case = Case(days_since_onset=30, pain=0)
    assert assess(case, pm).max_activity == "light_activity"
    assert assess(case).max_activity == "gradual_return"  # the default manager is untouched


def test_assessments_are_reused_but_never_when_a_plugin_failed(pm):
    class FlakyOnce:
        calls = 0

        @hookimpl
        def backcoach_red_flags(self, case):
            FlakyOnce.calls += 1
            if FlakyOnce.calls == 1:
                raise RuntimeError("transient")
            return []
    pm.register(FlakyOnce(), name="flaky")
    rules = RuleSet(pm)
    case = Case(days_since_onset=5, pain=2)
    first = rules.assess(case)
    assert any(e.plugin == "flaky" and e.rule == "error" for e in first.trace)
    second = rules.assess(case)
    assert not any(e.rule == "error" for e in second.trace), "a failed assessment is not reused"
    assert rules.assess(Case(days_since_onset=5, pain=2)) is second, "a clean one is"
    assert FlakyOnce.calls == 2


def test_a_rule_set_uses_the_plugins_registered_when_it_was_built(pm):
    rules = RuleSet(pm)
    pm.register(StricterClinic(), name="late")
    assert rules.assess(Case(days_since_onset=30, pain=0)).max_activity == "gradual_return"
    assert RuleSet(pm).assess(Case(days_since_onset=30, pain=0)).max_activity == "light_activity"
