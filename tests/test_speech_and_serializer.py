"""SSML in one place within Alexa's limits, and the fast serializer equal to ask-sdk's."""

from __future__ import annotations

import json
import re

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.dialog.turn import RequestContext
from skill.edge.serializer import FastSerializer
from skill.simulator import envelopes as env
from skill.voice.ssml import Speech, response_problems, ssml_problems, strip_ssml

from skill.voice import timing
from skill.voice.pacing import breath, hold


def _after(speech: Speech, announce: str) -> str:
    """The SSML of `speech` after the hold's announcement: the hold itself."""
    return speech.ssml.split(announce, 1)[1].removesuffix("</speak>")


@pytest.mark.parametrize("seconds", [1, 2, 5, 9, 10, 11, 15, 20, 25, 30, 45, 60, 95])
def test_a_hold_of_n_seconds_is_n_seconds_of_audio_in_breaks_of_at_most_ten(seconds):
    s = hold(Speech("Lift your hips."), seconds, "Hold.")
    breaks = [int(n) * (1 if unit == "s" else 0.001) for n, unit in re.findall(r'<break time="(\d+)(s|ms)"/>', s.ssml)]
    assert all(b <= 10 for b in breaks)
    assert timing.duration(_after(s, "Hold.")) == pytest.approx(seconds, abs=0.002)
    assert ssml_problems(s.ssml) == [] and f"[{seconds} s]" in s.text


def test_long_holds_are_counted_like_a_coach():
    s = hold(Speech(), 30, "Hold for 30 seconds.")
    text = strip_ssml(s.ssml)
    assert text == "Hold for 30 seconds. 20 seconds left. 10 seconds left. 3 2 1."
    assert timing.duration(_after(s, "Hold for 30 seconds.")) == pytest.approx(30, abs=0.002)
    short = hold(Speech(), 5, "Hold.")
    assert strip_ssml(short.ssml) == "Hold." and timing.pause_seconds(short.ssml) == 5


def test_a_breath_is_counted_up_and_lasts_its_seconds():
    s = breath(Speech("Breathe in."), 4)
    assert strip_ssml(s.ssml) == "Breathe in. 2 3 4."
    assert timing.duration(s.ssml) - timing.speaking_seconds("Breathe in.") == pytest.approx(4, abs=0.002)


def test_the_timeline_places_each_hold_after_the_speech_before_it():
    s = hold(Speech("Lift your hips.").pause(3), 10, "Hold.").say("And down.")
    [(at, info)] = s.timeline(timing.duration)
    assert info == {"hold": 10}
    # "Lift your hips." (its sentence pause taken by the 3 s break), the break, "Hold." (the hold's
    # first break follows it): 4 words and 3 s
    assert at == pytest.approx(4 * timing.SECONDS_PER_WORD + 3)
    shifted = Speech("One two three.").extend(s).timeline(timing.duration)
    assert shifted[0][0] == pytest.approx(at + 3 * timing.SECONDS_PER_WORD + timing.SENTENCE_PAUSE_SECONDS)


def test_a_response_lasts_its_words_its_sentence_and_comma_pauses_and_its_breaks():
    assert timing.duration("<speak>Lie down, please. Bend your knees.</speak>") == pytest.approx(
        6 * timing.SECONDS_PER_WORD + 2 * timing.SENTENCE_PAUSE_SECONDS + timing.COMMA_PAUSE_SECONDS)
    # a break after a sentence takes the place of its pause; a count's "1." is one second
    assert timing.duration('Hold. <break time="7s"/>') == pytest.approx(timing.SECONDS_PER_WORD + 7)
    assert timing.duration('1.<break time="600ms"/>') == pytest.approx(1.0)
    assert timing.words("Tom &amp; Jerry, 1 2 3 - ok") == 7  # "&amp;" is said "and"; "-" is not a word


def test_pause_splits_long_silences():
    assert Speech().pause(25).ssml == '<speak><break time="10s"/> <break time="10s"/> <break time="5s"/></speak>'


@pytest.mark.parametrize("ssml,needle", [
    ("<speak>unclosed", "not valid XML"),
    ('<speak><break time="12s"/></speak>', "over 10 s"),
    ('<speak><break time="11000ms"/></speak>', "over 10 s"),
    ('<speak><break strength="strong"/></speak>', "without a time"),
    ("<speak>" + "word " * 39 + "word.</speak>", "sentence of 40 words"),
    ("<speak>" + "a. " * 3000 + "</speak>", "characters"),
])
def test_the_ssml_checker_catches_what_alexa_rejects(ssml, needle):
    assert any(needle in p for p in ssml_problems(ssml))


def test_an_open_session_needs_a_reprompt_and_a_question():
    response = {"response": {"outputSpeech": {"ssml": "<speak>Hello.</speak>"}, "shouldEndSession": False}}
    found = response_problems(response)
    assert any("reprompt" in p for p in found) and any("question" in p for p in found)


# ---------------------------------------------------------------------- serializer
USER = "amzn1.ask.account.SERIALIZER"
REQUESTS = [
    env.envelope(env.launch_request(), user_id=USER, new=True),
    env.envelope(env.launch_request("en-GB"), user_id=USER, apl=True),
    env.envelope(env.intent_request("CanIExerciseIntent", {
        "activity": env.slot("activity", "a jog", resolved_id="running", slot_type="ACTIVITY"),
        "daysAgo": env.slot("daysAgo", "3"), "painLevel": env.slot("painLevel"),
        "onsetDate": env.slot("onsetDate", "2026-11-20")}, dialog_state="IN_PROGRESS"),
        user_id=USER, attributes={"case": {"pain": 3, "symptoms": ["fever"]}, "routine": {"ids": ["a"], "i": 0}}),
    env.envelope(env.intent_request("ReportSymptomIntent", {
        "symptom": env.slot("symptom", "purple toes", slot_type="SYMPTOM", no_match=True)}), user_id=USER),
    env.envelope(env.session_ended_request("ERROR"), user_id=USER),
    env.envelope(env.skill_disabled_request(), user_id=USER, in_session=False),
]


@pytest.mark.parametrize("payload", REQUESTS, ids=lambda p: p["request"]["type"])
def test_fast_deserialize_equals_ask_sdks(payload):
    default = DefaultSerializer().deserialize(json.dumps(payload), RequestEnvelope)
    fast = FastSerializer().from_data(payload, RequestEnvelope)
    assert fast == default
    assert type(fast.request) is type(default.request)
    assert FastSerializer().serialize(fast) == DefaultSerializer().serialize(default)
    if payload["request"]["type"] == "AlexaSkillEvent.SkillDisabled":
        assert fast.request.body == {"userInformationPersistenceStatus": "NOT_PERSISTED"}


@pytest.mark.parametrize("payload", REQUESTS[:4], ids=lambda p: p["request"]["type"])
def test_fast_serialize_of_real_responses_equals_ask_sdks(app, payload):
    ext = app.extensions["backcoach"]
    skill = ext["skill"]
    envelope = skill.serializer.from_data(payload, RequestEnvelope)
    response = skill.invoke(envelope, RequestContext(ext["services"]))
    assert FastSerializer().serialize(response) == DefaultSerializer().serialize(response)


@pytest.mark.parametrize("payload", [
    {"request": {"type": "NoSuchRequestType"}},
    {"request": {"type": "IntentRequest", "timestamp": "yesterday-ish"}},
    {"request": {"type": "IntentRequest", "intent": "not an object"}},
    {"session": {"new": "not a boolean", "attributes": []}, "request": {"type": "LaunchRequest"}},
])
def test_malformed_payloads_are_serialization_errors(payload):
    with pytest.raises(SerializationException):
        FastSerializer().from_data(payload, RequestEnvelope)
