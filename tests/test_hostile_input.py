"""Hostile and broken input: thousands of generated bodies and envelopes thrown at POST /alexa.

For every one: the status is 200 or 4xx, the body is JSON, no exception escapes, a 200 follows
Alexa's speech rules, and nothing is written for a rejected request. One run goes through
signature verification (each generated body correctly signed by a test CA), so generated
envelopes reach the timestamp, skill-id and envelope checks too.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import create_app
from skill.simulator.signing import make_test_authority
from skill.simulator import envelopes as env
from skill.voice.ssml import response_problems

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
SKILL_ID = env.SKILL_ID
INTENTS = ["CanIExerciseIntent", "ReportOnsetIntent", "ReportPainIntent", "ReportSymptomIntent",
           "SeeDoctorIntent", "StartStretchIntent", "ListStretchesIntent", "ReliefTipsIntent",
           "ForgetMeIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent",
           "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent",
           "AMAZON.FallbackIntent", "NoSuchIntent", ""]
SLOTS = ["activity", "onsetDate", "daysAgo", "painLevel", "symptom", "age", "stretch", "other"]
ODD_VALUES = ["-3", "11", "?", "99999999999999999999", "2026-13-45", "PRESENT_REF", "2026-W47-WE",
              "XXXX-11-20", "201X", "", " ", "nan", "inf", "1e309", "<speak>", "&amp;", "\u202e", "😀" * 50,
              "a" * 5000, "eleven out of ten", "negative three"]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=30))
any_json = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                        max_leaves=12)


@st.composite
def slots(draw):
    names = draw(st.lists(st.sampled_from(SLOTS), max_size=4, unique=True))
    built = {}
    for name in names:
        value = draw(st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40), st.none()))
        resolved = draw(st.one_of(st.none(), st.sampled_from(["fever", "chest_pain", "running", "cat_cow",
                                                               "not_an_id", ""])))
        built[name] = env.slot(name, value, resolved_id=resolved or None, slot_type="SYMPTOM",
                               no_match=resolved == "")
    return built


@st.composite
def envelopes(draw):
    """A realistic envelope, then mutated: fields dropped, replaced with the wrong type, or odd values."""
    kind = draw(st.sampled_from(["launch", "intent", "intent", "intent", "ended", "disabled", "unknown"]))
    if kind == "launch":
        request = env.launch_request(draw(st.sampled_from(["en-US", "en-GB", "de-DE", "xx", ""])), NOW)
    elif kind == "intent":
        request = env.intent_request(draw(st.sampled_from(INTENTS)), draw(slots()), now=NOW,
                                     dialog_state=draw(st.sampled_from([None, "STARTED", "IN_PROGRESS", "BOGUS"])))
    elif kind == "ended":
        request = env.session_ended_request(draw(st.sampled_from(["ERROR", "USER_INITIATED", "???"])), now=NOW)
    elif kind == "disabled":
        request = env.skill_disabled_request(NOW)
    else:
        request = {"type": draw(st.sampled_from(["Alexa.Presentation.APL.UserEvent", "Connections.Response",
                                                  "Messaging.MessageReceived", "Made.Up"])),
                   "requestId": "amzn1.echo-api.request.x", "timestamp": env.timestamp(NOW), "locale": "en-US"}
    attributes = draw(st.one_of(
        st.just({}),
        st.fixed_dictionaries({"case": st.one_of(any_json, st.fixed_dictionaries({
            "onset": st.one_of(st.text(max_size=12), st.just("2026-11-20")),
            "pain": st.one_of(st.integers(-5, 20), st.text(max_size=3)),
            "symptoms": st.one_of(any_json, st.lists(st.sampled_from(["fever", "x", "pain_down_leg"])))})),
            "routine": st.one_of(any_json, st.fixed_dictionaries({
                "ids": st.lists(st.sampled_from(["cat_cow", "bridge", "nope"]), max_size=4),
                "i": st.integers(-2, 6)})),
            "ask": st.sampled_from(["screen", "which_symptom", "forget", "resume", "bogus", None]),
            "last": any_json, "tz": st.one_of(st.text(max_size=20), st.just("Mars/Base"))}),
        any_json))
    body = env.envelope(request, user_id=f"amzn1.ask.account.{draw(st.integers(0, 3))}",
                        new=draw(st.booleans()), attributes=attributes if isinstance(attributes, dict) else {},
                        in_session=kind != "disabled", apl=draw(st.booleans()), api_endpoint="http://127.0.0.1:9")
    if not isinstance(attributes, dict) and "session" in body:
        body["session"]["attributes"] = attributes
    for _ in range(draw(st.integers(0, 3))):
        body = mutate(body, draw)
    return body


def mutate(body, draw):
    """Drop a key, or replace a value anywhere in the envelope with arbitrary JSON."""
    body = copy.deepcopy(body)
    paths = list(walk(body))
    if not paths:
        return body
    parent, key = draw(st.sampled_from(paths))
    if draw(st.booleans()) and isinstance(parent, dict):
        parent.pop(key, None)
    else:
        parent[key] = draw(any_json)
    return body


def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from walk(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from walk(value)


def rows(app) -> int:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT coalesce(sum(version), 0) FROM user_state").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def check(app, body: bytes, headers=None, content_type="application/json"):
    before = rows(app)
    r = app.test_client().post("/alexa", data=body, content_type=content_type, headers=headers or {})
    assert r.status_code == 200 or 400 <= r.status_code < 500, (r.status_code, r.get_data()[:300])
    data = r.get_json(silent=True)
    assert isinstance(data, dict), r.get_data()[:300]
    assert "Traceback" not in r.get_data(as_text=True)
    if r.status_code != 200:
        assert set(data) == {"error"} and data["error"]
        assert rows(app) == before, "nothing is written for a rejected request"
    elif data.get("response"):
        assert response_problems(data) == [], data
    return r


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile")
    return create_app({"INSTANCE_PATH": str(path), "VERIFY_SIGNATURE": False, "LOG_LEVEL": "WARNING",
                       "USER_KEY_SECRET": "ab" * 16})


@pytest.fixture(scope="module")
def authority():
    return make_test_authority(now=NOW)


@pytest.fixture(scope="module")
def verifying_app(tmp_path_factory, authority):
    path = tmp_path_factory.mktemp("hostile-verified")
    return create_app({"INSTANCE_PATH": str(path), "VERIFY_SIGNATURE": True, "SKILL_ID": SKILL_ID,
                       "TRUSTED_CA_FILE": str(authority.write_root(path / "root.pem")),
                       "CERT_FETCHER": authority.fetcher(), "CLOCK": lambda: NOW, "LOG_LEVEL": "WARNING",
                       "USER_KEY_SECRET": "cd" * 16})


FAST = settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@FAST
@pytest.mark.slow
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                     any_json.map(lambda v: json.dumps(v).encode())))
def test_raw_bodies(plain_app, raw):
    check(plain_app, raw)


@FAST
@pytest.mark.slow
@given(body=envelopes())
def test_generated_envelopes(plain_app, body):
    check(plain_app, json.dumps(body).encode())


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.slow
@given(body=envelopes())
def test_generated_envelopes_signed_through_verification(verifying_app, authority, body):
    raw = json.dumps(body).encode()
    check(verifying_app, raw, headers=authority.sign(raw))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/xml"])
def test_wrong_content_types(plain_app, content_type):
    r = check(plain_app, b"{}", content_type=content_type)
    assert r.status_code == 415
