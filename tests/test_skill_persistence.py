"""What the skill keeps about a user, on a real SQLite file: privacy by default, deletion on request."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from alexa import Echo
from skill.simulator import envelopes as env

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def rows(app) -> list[dict]:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [json.loads(text) for (text,) in db.execute("SELECT attributes FROM user_state")]


def db_bytes(app) -> bytes:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:  # fold the WAL into the file first
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return open(path, "rb").read()


def tell_health_facts(device):
    device.say_intent("ReportOnsetIntent", daysAgo="6")
    device.say_intent("ReportPainIntent", painLevel="4")
    device.say_intent("ReportSymptomIntent", symptom=("my left leg is numb", "leg_numbness", "SYMPTOM"))
    device.say_intent("ReportSymptomIntent", age="44")


def test_state_survives_a_restart_of_the_server(make_app):
    app = make_app()
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    device.end_session()
    restarted = make_app()  # same instance folder and SQLite file, a new process's worth of app
    device.client = restarted.test_client()
    assert "Welcome back" in device.launch().speech


def test_health_facts_are_not_stored_by_default(app):
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    tell_health_facts(device)
    device.end_session()
    stored = rows(app)
    assert stored == [{"disclaimer": True}]
    raw = db_bytes(app)
    for secret in (device.user_id.encode(), b"leg_numbness", b"2026-11-17", b'"pain"'):
        assert secret not in raw
    # and a new session knows nothing of them
    assert "When did your back spasm start" in device.say_intent("CanIExerciseIntent").speech


def test_a_hipaa_deployment_remembers_onset_and_todays_pain(make_app):
    app = make_app(REMEMBER_HEALTH=True)
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    tell_health_facts(device)
    device.end_session()
    (stored,) = rows(app)
    assert stored["health"] == {"onset": "2026-11-17", "pain": [["2026-11-23", 4]]}
    assert "symptoms" not in json.dumps(stored), "symptoms stay in the session"
    device.launch()
    asked = device.say_intent("CanIExerciseIntent")
    assert "safety check" in asked.speech, "onset and pain were remembered, only screening is asked"


def test_forget_me_asks_first_then_deletes_every_row(app):
    device = Echo(app.test_client(), now=NOW)
    other = Echo(app.test_client(), now=NOW)
    device.launch()
    other.launch()
    confirm = device.say_intent("ForgetMeIntent")
    assert "delete everything" in confirm.speech and not confirm.ended
    kept = device.say_intent("AMAZON.NoIntent")
    assert "haven't deleted anything" in kept.speech and len(rows(app)) == 2
    device.say_intent("ForgetMeIntent")
    done = device.say_intent("AMAZON.YesIntent")
    assert "deleted your data" in done.speech and done.ended
    assert len(rows(app)) == 1
    assert "not a doctor" in device.launch().speech, "a forgotten user hears the disclaimer again"


def test_skill_disabled_deletes_the_users_data(app):
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    device.end_session()
    assert len(rows(app)) == 1
    event = env.envelope(env.skill_disabled_request(NOW), user_id=device.user_id, in_session=False,
                         api_endpoint=device.api_endpoint)
    answer = device.post(event)
    assert answer.status == 200 and rows(app) == []


@pytest.mark.parametrize("persisted", [False, True])
def test_skill_disabled_deletes_whatever_the_persistence_status(app, persisted):
    device = Echo(app.test_client(), now=NOW)
    device.launch()
    event = env.envelope(env.skill_disabled_request(NOW, persisted=persisted), user_id=device.user_id,
                         in_session=False, api_endpoint=device.api_endpoint)
    assert device.post(event).status == 200 and rows(app) == []
