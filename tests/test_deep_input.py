"""Input the parsers choke on: deeply nested bodies and numbers of thousands of digits.

Nesting is bounded before the JSON is parsed (web.MAX_DEPTH) and answered 400 with a reason,
on POST /alexa and on the console's in-process path; absurd numbers, NaN-like strings and
number words in AMAZON.NUMBER slots get the usual re-ask or are understood, never an apology
for an error.
"""

from __future__ import annotations

import json

import pytest

from skill.dialog.slots import bounded
from skill.edge.web import MAX_DEPTH, TOO_DEEP, BadRequest, run_skill, too_deep
from skill.simulator import envelopes as env

USER = "amzn1.ask.account.DEEP"
SORRY = "something went wrong"


def nested_text(depth: int, kind: str) -> str:
    """JSON text nesting `depth` objects or arrays (built as text: json.dumps would recurse)."""
    opening, closing = ('{"a":', "}") if kind == "object" else ("[", "]")
    return opening * depth + '"deep"' + closing * depth


def deep_envelope(depth: int, kind: str) -> bytes:
    """A launch request whose session attributes hold a value nested `depth` levels."""
    body = json.dumps(env.envelope(env.launch_request(), user_id=USER, attributes={"deep": "@@"},
                                   api_endpoint="http://127.0.0.1:9"))
    return body.replace('"@@"', nested_text(depth, kind)).encode()


@pytest.mark.parametrize("kind", ["object", "array"])
@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, 300, 1000, 2000, 40_000])
def test_deep_bodies_are_refused_with_a_reason(client, depth, kind):
    response = client.post("/alexa", data=deep_envelope(depth, kind), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": TOO_DEEP}


@pytest.mark.parametrize("kind", ["object", "array"])
def test_nesting_up_to_the_bound_is_answered(client, kind):
    depth = MAX_DEPTH - 3  # the envelope, its session and the attributes are three levels
    body = deep_envelope(depth, kind)
    assert not too_deep(body) and too_deep(deep_envelope(depth + 1, kind))
    response = client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["sessionAttributes"]["deep"] == json.loads(nested_text(depth, kind))


def test_brackets_inside_strings_do_not_count(device):
    answer = device.say_intent("ReportSymptomIntent", symptom="[{" * 2000 + '\\"]' + "}]" * 2000)
    assert answer.status == 200 and SORRY not in answer.speech


@pytest.mark.parametrize("depth", [300, 2000])
def test_the_consoles_path_refuses_deep_state_too(client, depth):
    state = '{"text": "hello", "state": {"session_id": "s.1", "attributes": {"deep": ' + nested_text(depth, "array") + "}}}"
    response = client.post("/console/api/say", data=state.encode(), content_type="application/json")
    assert response.status_code == 400 and response.get_json() == {"error": TOO_DEEP}


def test_run_skill_refuses_deep_envelopes(app):
    payload = json.loads(deep_envelope(10, "object"))
    node = payload["session"]["attributes"]
    for _ in range(3000):  # deeper than json or orjson would write
        node["a"] = {}
        node = node["a"]
    with app.test_request_context():
        with pytest.raises(BadRequest) as refused:
            run_skill(payload)
    assert refused.value.reason == TOO_DEEP


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 5000, "9" * 400 + ".5", "nan", "NaN", "inf",
                                   "-Infinity", "1e309", "0x10", "eleven out of ten", "three " * 500])
def test_absurd_pain_levels_are_asked_again(device, value):
    answer = device.say_intent("CanIExerciseIntent", painLevel=value)
    assert answer.status == 200 and SORRY not in answer.speech
    assert "I need a number from 0 to 10." in answer.speech


@pytest.mark.parametrize("value", ["9" * 5000, "9" * 10, "nan", "infinity", "1e309"])
def test_absurd_days_ago_are_asked_again(device, value):
    answer = device.say_intent("CanIExerciseIntent", daysAgo=value)
    assert answer.status == 200 and SORRY not in answer.speech
    assert "I didn't catch when it started." in answer.speech


@pytest.mark.parametrize(("value", "said"), [("three", "Pain 3 out of 10"), ("Five", "Pain 5 out of 10"),
                                             ("zero", "Pain 0 out of 10"), ("ten", "Pain 10 out of 10")])
def test_pain_in_words_is_understood(device, value, said):
    assert said in device.say_intent("CanIExerciseIntent", painLevel=value).speech


@pytest.mark.parametrize(("value", "said"), [("twenty one", "21 days ago"), ("twenty-one", "21 days ago"),
                                             ("three", "3 days ago"), ("one hundred and five", "105 days ago")])
def test_days_in_words_are_understood(device, value, said):
    assert f"Got it: it started {said}." in device.say_intent("CanIExerciseIntent", daysAgo=value).speech


def test_a_negative_number_of_days_is_the_future(device):
    assert "That date is in the future." in device.say_intent("CanIExerciseIntent", daysAgo="minus two").speech


def test_number_words_out_of_range_or_nonsense():
    assert bounded("eleven", 0, 10).problem == "range"
    assert bounded("twenty one", 0, 10).problem == "range"
    assert bounded("a" * 10_000, 0, 10).problem == "invalid"
