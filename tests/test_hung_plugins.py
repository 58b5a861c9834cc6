"""A plugin that hangs cannot hold the answer: case-hook calls have a deadline.

Real third-party plugins (installed as distributions with an entry point) block in a case hook
until the test ends; the emergency answer still comes at once, other answers within the
deadline, the overrunning plugin is in the trace and in `backcoach plugins`, it is disabled
after a few overruns, and an answer it overran is never reused. A built-in red-flag check that
hangs fails closed.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest

import plugins.red_flags
from alexa import Echo
from rules import Case, RuleSet, build_plugin_manager, plugin_records
from rules.calls import MAX_OVERRUNS, TIMEOUT_ENV
from rules.cli import cmd_plugins

TIMEOUT = 0.5
#: Generous bounds for a loaded 2-core machine; the hang itself lasts until the test ends.
EMERGENCY_BOUND = 1.0
ANSWER_BOUND = TIMEOUT + 1.5
BLADDER = ("i can't control my bladder", "bladder_control_loss", "SYMPTOM")
EMERGENCY = Case(days_since_onset=30, pain=0, symptoms={"saddle_numbness"})
HUNG = """
import threading
from rules import Finding, hookimpl

RELEASE = threading.Event()  # set when the test ends, so no thread is left sleeping
CALLS = []

@hookimpl(tryfirst=True)
def {hook}({args}):
    CALLS.append(1)
    RELEASE.wait(60)
    return None
"""
ARGS = {"backcoach_red_flags": "case", "backcoach_exercise_timing": "case",
        "backcoach_choose_routine": "case, assessment, candidates"}


@pytest.fixture
def hung(install_plugin, monkeypatch) -> Iterator:
    """hung("backcoach_red_flags") installs plugin "hung" blocking in that hook; returns its module."""
    monkeypatch.setenv(TIMEOUT_ENV, str(TIMEOUT))
    modules = []

    def install(hook: str, name: str = "hung"):
        install_plugin(name, HUNG.format(hook=hook, args=ARGS[hook]))
        module = importlib.import_module(f"bc_test_{name}")
        modules.append(module)
        return module

    yield install
    for module in modules:
        module.RELEASE.set()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def entries(assessment, plugin: str) -> list:
    return [e for e in assessment.trace if e.plugin == plugin]


# --- the emergency comes first -----------------------------------------------------------------


@pytest.mark.parametrize("hook", ["backcoach_red_flags", "backcoach_exercise_timing"])
def test_the_emergency_answer_does_not_wait_for_a_hung_plugin(hung, make_app, hook):
    hung(hook)
    app = make_app()
    answer, seconds = timed(lambda: Echo(app.test_client()).say_intent("ReportSymptomIntent", symptom=BLADDER))
    assert answer.status == 200 and "Call 911 now" in answer.speech
    assert seconds < EMERGENCY_BOUND, f"the emergency answer took {seconds:.2f} s"


def test_many_emergencies_at_once_with_a_hung_plugin(hung, make_app):
    hung("backcoach_red_flags")
    app = make_app()
    results = []

    def one(age: int) -> None:  # different ages: different cases, no answer from the cache
        device = Echo(app.test_client())
        results.append(timed(lambda: device.say_intent("ReportSymptomIntent", symptom=BLADDER, age=str(age))))

    threads = [threading.Thread(target=one, args=(30 + n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 8
    assert all(answer.status == 200 and "Call 911 now" in answer.speech for answer, _ in results)
    assert max(seconds for _, seconds in results) < 2 * EMERGENCY_BOUND


def test_an_emergency_decided_by_the_built_in_is_not_kept_with_a_plugin_unheard(hung):
    hung("backcoach_red_flags")
    rules = RuleSet(build_plugin_manager(disabled=""))
    first, seconds = timed(lambda: rules.assess(EMERGENCY))
    assert first.tier == "emergency" and seconds < EMERGENCY_BOUND
    assert [e.rule for e in entries(first, "hung")] == ["not_awaited"]
    assert rules.assess(EMERGENCY) is not first, "an assessment with a plugin unheard is not reused"


# --- other answers: within the deadline, the plugin ignored and reported ---------------------------


def test_an_exercise_answer_waits_no_longer_than_the_deadline(hung, make_app):
    hung("backcoach_exercise_timing")
    app = make_app()
    device = Echo(app.test_client())
    device.say_intent("CanIExerciseIntent", daysAgo="9", painLevel="2")
    answer, seconds = timed(lambda: device.say_intent("AMAZON.NoIntent"))
    assert "Walks of 10 to 20 minutes are fine" in answer.speech
    assert seconds < ANSWER_BOUND


def test_an_overrun_is_traced_and_never_reused(hung):
    hung("backcoach_exercise_timing")
    rules = RuleSet(build_plugin_manager(disabled=""))
    case = Case(days_since_onset=9, pain=2)
    first, seconds = timed(lambda: rules.assess(case))
    assert TIMEOUT <= seconds < ANSWER_BOUND
    (entry,) = entries(first, "hung")
    assert entry.rule == "overran" and entry.outcome == f"ignored: overran: no answer within {TIMEOUT:g} s"
    alone = RuleSet(build_plugin_manager(disabled="", entry_points=False)).assess(case)
    assert (first.tier, first.max_activity, first.avoid) == (alone.tier, alone.max_activity, alone.avoid), \
        "the others still decide"
    assert not first.fail_closed
    second = rules.assess(case)
    assert second is not first, "an assessment a plugin overran is not reused"
    assert "not called: its previous call is still running" in entries(second, "hung")[0].outcome


def test_a_plugin_that_keeps_hanging_is_disabled_once(hung, caplog):
    module = hung("backcoach_red_flags")
    pm = build_plugin_manager(disabled="")
    rules = RuleSet(pm)
    with caplog.at_level(logging.WARNING, logger="rules.calls"):
        for pain in range(MAX_OVERRUNS + 2):
            a, seconds = timed(lambda: rules.assess(Case(days_since_onset=9, pain=pain)))
            assert seconds < ANSWER_BOUND
    disabled = [r for r in caplog.records if "disabled until restart" in r.getMessage()]
    assert len(disabled) == 1 and disabled[0].levelno == logging.ERROR, "logged once"
    assert len(module.CALLS) == 1, "called once: afterwards its hung call stopped every other"
    assert [e.rule for e in entries(a, "hung")] == ["disabled"]
    assert rules.assess(Case(days_since_onset=9, pain=MAX_OVERRUNS + 1)) is a, "a disabled plugin is stable: reused"
    record = {r.name: r for r in plugin_records(pm)}["hung"]
    assert record.status == "disabled" and f"{MAX_OVERRUNS} case-hook calls overran" in record.error


def test_backcoach_plugins_reports_an_overrunning_plugin(hung):
    hung("backcoach_red_flags")
    out = io.StringIO()
    (_, seconds) = timed(lambda: cmd_plugins(argparse.Namespace(json=True), out))
    assert seconds < ANSWER_BOUND + 1
    record = {r["name"]: r for r in json.loads(out.getvalue())}["hung"]
    assert record["status"] == "disabled" and "overran 0.5 s" in record["error"]
    built_in = {r["name"]: r for r in json.loads(out.getvalue())}["red_flags"]
    assert built_in["status"] == "active" and not built_in["error"]


def test_a_hung_routine_chooser_is_passed_over(hung, make_app):
    hung("backcoach_choose_routine")
    app = make_app()
    device = Echo(app.test_client())
    device.say_intent("CanIExerciseIntent", daysAgo="9", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    first, seconds = timed(lambda: device.say_intent("AMAZON.YesIntent"))
    assert "Stretch 1 of" in first.speech, "the built-in chooser decides"
    assert seconds < ANSWER_BOUND


def test_an_answer_comes_within_the_deadline_with_every_case_hook_hung(hung, make_app):
    for n, hook in enumerate(ARGS):
        hung(hook, name=f"hung{n}")
    app = make_app()
    device = Echo(app.test_client())
    started = time.monotonic()
    device.say_intent("CanIExerciseIntent", daysAgo="9", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    assert "Stretch 1 of" in device.say_intent("AMAZON.YesIntent").speech
    assert time.monotonic() - started < 3 * ANSWER_BOUND


# --- the built-in red-flag check hanging fails closed -----------------------------------------------


def slow_red_flags(monkeypatch, wait) -> None:
    """The built-in red-flag plugin, made to call `wait()` before it answers."""
    real = plugins.red_flags.red_flags

    def slow():
        wait()
        return real()

    monkeypatch.setattr(plugins.red_flags, "red_flags", slow)


def test_a_hanging_built_in_red_flag_check_fails_closed(monkeypatch):
    release = threading.Event()
    rules = RuleSet(build_plugin_manager(disabled=""), plugin_timeout=0.2)
    slow_red_flags(monkeypatch, lambda: release.wait(10))
    late: list = []
    stuck = threading.Thread(target=lambda: late.append(rules.assess(Case(days_since_onset=30, pain=0))))
    stuck.start()
    try:
        time.sleep(0.4)  # the first call is now past its deadline, still inside the built-in
        other, seconds = timed(lambda: rules.assess(Case(days_since_onset=9, pain=2)))
        assert seconds < ANSWER_BOUND, "not called while its previous call hangs"
        assert other.fail_closed and (other.tier, other.max_activity) == ("urgent", "none")
    finally:
        release.set()
        stuck.join(10)
    (first,) = late
    assert first.fail_closed and first.tier == "urgent", "a late built-in answer counts as failed"
    assert any(e.plugin == "red_flags" and e.rule == "overran" for e in first.trace)


def test_a_late_built_in_emergency_is_still_an_emergency(monkeypatch):
    rules = RuleSet(build_plugin_manager(disabled=""), plugin_timeout=0.05)
    slow_red_flags(monkeypatch, lambda: time.sleep(0.1))
    a = rules.assess(EMERGENCY)
    assert a.fail_closed and a.tier == "emergency", "failing closed never hides the flag it found late"
