"""Faults: the database gone, a plugin raising, a handler crashing. The user still gets a correct
red-flag answer and a sensible sentence; nothing already saved is lost."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone

import pytest

import skill.dialog.dispatch
from alexa import Echo

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
BLADDER = ("i can't control my bladder", "bladder_control_loss", "SYMPTOM")

RAISING_PLUGIN = """
from rules import hookimpl

@hookimpl(tryfirst=True)
def backcoach_red_flags(case):
    raise RuntimeError("plugin bug")

@hookimpl(tryfirst=True)
def backcoach_exercise_timing(case):
    raise RuntimeError("plugin bug")

@hookimpl(tryfirst=True)
def backcoach_choose_routine(case, assessment, candidates):
    raise RuntimeError("plugin bug")
"""


@pytest.fixture
def unreachable_db(make_app, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    return make_app(DATABASE_URL=f"sqlite:///{blocker}/db.sqlite3", DB_TIMEOUT=0.2)


def test_with_the_database_down_a_red_flag_still_gets_the_emergency_answer(unreachable_db):
    device = Echo(unreachable_db.test_client(), now=NOW)
    launch = device.launch()
    assert launch.status == 200 and "What would you like to do?" in launch.speech
    emergency = device.say_intent("ReportSymptomIntent", symptom=BLADDER)
    assert emergency.status == 200 and "Call 911 now" in emergency.speech


def test_with_the_database_down_the_exercise_dialog_still_works(unreachable_db, caplog):
    device = Echo(unreachable_db.test_client(), now=NOW)
    with caplog.at_level(logging.WARNING):
        device.say_intent("CanIExerciseIntent", daysAgo="9", painLevel="2")
        answer = device.say_intent("AMAZON.NoIntent")
        stretch = device.say_intent("AMAZON.YesIntent")
        step = device.next_stretch()
    assert "Walks of 10 to 20 minutes are fine" in answer.speech
    assert "Stretch 1 of" in stretch.speech and "Stretch 2 of" in step.speech
    warnings = [r for r in caplog.records if r.name == "skill.backends.store" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, "the outage is logged once"


def test_a_locked_database_keeps_what_was_saved(make_app):
    app = make_app(DB_TIMEOUT=0.2)
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    device.end_session()
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        during = device.launch()
        assert during.status == 200 and during.speech.endswith("?")
        assert device.say_intent("ReportSymptomIntent", symptom=BLADDER).status == 200
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    after = device.launch()
    assert "Welcome back" in after.speech, "the saved profile survived the lock"


def test_a_plugin_raising_everywhere_cannot_hide_a_red_flag(install_plugin, make_app):
    install_plugin("buggy", RAISING_PLUGIN)
    app = make_app()
    device = Echo(app.test_client(), now=NOW)
    assert "Call 911 now" in device.say_intent("ReportSymptomIntent", symptom=BLADDER).speech
    other = Echo(app.test_client(), now=NOW)
    other.say_intent("CanIExerciseIntent", daysAgo="9", painLevel="2")
    answer = other.say_intent("AMAZON.NoIntent")
    assert "Walks of 10 to 20 minutes are fine" in answer.speech
    assert "Stretch 1 of" in other.say_intent("AMAZON.YesIntent").speech


def test_a_crashing_handler_gets_an_apology_and_a_question(make_app, monkeypatch, caplog):
    def broken(turn):
        raise KeyError("secret user words")
    monkeypatch.setitem(skill.dialog.dispatch.ROUTES, ("IntentRequest", "ReliefTipsIntent"), broken)
    app = make_app()  # the route table is read when the skill is built
    with caplog.at_level(logging.DEBUG):
        answer = Echo(app.test_client(), now=NOW).say_intent("ReliefTipsIntent")
    assert answer.status == 200 and "something went wrong" in answer.speech
    assert answer.speech.endswith("?") and not answer.ended
    assert "KeyError" in caplog.text and "secret user words" not in caplog.text
