"""Logs carry request ids, routes, outcomes and latency only: never what the user said, their
symptoms, user id, device id or access token, at any level, on the happy path or any error path."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest

from alexa import Echo
from skill.simulator.signing import make_test_authority
from skill.simulator import envelopes as env

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
USER = "amzn1.ask.account.PRIVATEUSER0123456789"
DEVICE = "amzn1.ask.device.PRIVATEDEVICE987"
TOKEN = "PRIVATE-ACCESS-TOKEN-abcdef"
SESSION = "amzn1.echo-api.session.PRIVATESESSION42"
UTTERANCES = ["my left leg is numb and tingly", "i can't control my bladder", "i feel hot and shivery",
              "the pretzel stretch", "swimming in the lake"]
SYMPTOM_IDS = ["leg_numbness", "bladder_control_loss", "fever", "pain_down_leg"]

SNOOPING_PLUGIN = """
from rules import hookimpl

@hookimpl
def backcoach_red_flags(case):
    raise ValueError(f"cannot handle {sorted(case.symptoms)}")
"""


class PrivateDevice(Echo):
    def envelope(self, request, in_session=True):
        body = super().envelope(request, in_session)
        body["context"]["System"]["device"]["deviceId"] = DEVICE
        body["context"]["System"]["apiAccessToken"] = TOKEN
        if "session" in body:
            body["session"]["sessionId"] = SESSION
        return body


def conversation(client):
    d = PrivateDevice(client, user_id=USER, now=NOW)
    d.launch()
    d.say_intent("ReportOnsetIntent", onsetDate="2026-11-17")
    d.say_intent("ReportPainIntent", painLevel="6")
    d.say_intent("ReportSymptomIntent", symptom=(UTTERANCES[0], "leg_numbness", "SYMPTOM"))
    d.say_intent("ReportSymptomIntent", symptom=("sciatica down my leg", "pain_down_leg", "SYMPTOM"))
    d.say_intent("CanIExerciseIntent", activity=(UTTERANCES[4], None, "ACTIVITY"))
    d.say_intent("AMAZON.NoIntent")
    d.say_intent("StartStretchIntent", stretch=(UTTERANCES[3], None, "STRETCH"))
    d.say_intent("ReportSymptomIntent", symptom=("purple toes", None, "SYMPTOM"))
    d.say_intent("ReportSymptomIntent", symptom=(UTTERANCES[2], "fever", "SYMPTOM"))
    d.say_intent("ReportSymptomIntent", symptom=(UTTERANCES[1], "bladder_control_loss", "SYMPTOM"))
    d.say_intent("ForgetMeIntent")
    d.say_intent("AMAZON.YesIntent")
    d.post(env.envelope(env.skill_disabled_request(NOW), user_id=USER, in_session=False))
    return d


def assert_private(text: str) -> None:
    for secret in [USER, DEVICE, TOKEN, SESSION, "PRIVATEUSER", *UTTERANCES, *SYMPTOM_IDS, "2026-11-17"]:
        assert secret not in text, f"{secret!r} reached the logs"


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("skill", "rules", "plugins", "backcoach", "ask_sdk_core", "werkzeug", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def test_a_whole_conversation_logs_nothing_private(make_app, logs):
    app = make_app(LOG_LEVEL="DEBUG")
    logging.getLogger().setLevel(logging.DEBUG)
    conversation(app.test_client())
    assert "route=ReportSymptomIntent" in logs.text and "outcome=emergency" in logs.text
    assert_private(logs.text)


def test_error_paths_log_nothing_private(make_app, logs, install_plugin, tmp_path):
    install_plugin("snoop", SNOOPING_PLUGIN)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    app = make_app(LOG_LEVEL="DEBUG", DATABASE_URL=f"sqlite:///{blocker}/db.sqlite3", DB_TIMEOUT=0.1)
    conversation(app.test_client())
    client = app.test_client()
    bad = json.dumps({"request": {"type": "IntentRequest", "requestId": "r", "timestamp": "t",
                                  "intent": UTTERANCES[0]}, "context": {"System": {"user": {"userId": USER}}}})
    client.post("/alexa", data=bad, content_type="application/json")
    client.post("/alexa", data=UTTERANCES[1].encode(), content_type="application/json")
    assert "snoop" in logs.text and "database unavailable" in logs.text
    assert_private(logs.text)


def test_verification_failures_log_nothing_private(make_app, logs, tmp_path):
    authority = make_test_authority(now=NOW)
    app = make_app(LOG_LEVEL="DEBUG", VERIFY_SIGNATURE=True, SKILL_ID=env.SKILL_ID, CLOCK=lambda: NOW,
                   TRUSTED_CA_FILE=str(authority.write_root(tmp_path / "root.pem")),
                   CERT_FETCHER=authority.fetcher())
    device = PrivateDevice(app.test_client(), user_id=USER, now=NOW, sign=authority.sign)
    device.say_intent("ReportSymptomIntent", symptom=(UTTERANCES[1], "bladder_control_loss", "SYMPTOM"))
    unsigned = PrivateDevice(app.test_client(), user_id=USER, now=NOW)
    assert unsigned.say_intent("ReportSymptomIntent", symptom=(UTTERANCES[0], "leg_numbness", "SYMPTOM")).status == 400
    assert "outcome=rejected" in logs.text
    assert_private(logs.text)
