"""Everyday questions (issue 17): painkillers, recovery time, work, driving, sleep, sex, heat or
ice, "is it serious?", "what caused it?" — typed the way people ask, through the resolver and the
real app, in every locale.

The answers are the plugins' data (plugins/data/answers.toml, each line with its source); these
tests check that a question reaches its answer, in the locale's words, with the session's next
step, the safety line where it is health advice, and never a dose.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from alexa import Echo
from skill.dialog.questions import TOPICS
from skill.simulator.device import AppTransport, Device
from skill.voice.texts import LOCALES, texts

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
NUMBERS = {"en-US": "911", "en-GB": "999", "en-CA": "911", "en-AU": "triple zero", "en-IN": "1 1 2"}

#: Three ways a person asks each question (none is a sample utterance as written).
ASKED = {
    "PainkillersIntent": ["is it ok to take ibuprofen for this", "what painkiller should i take for my back",
                          "can i take something for the pain please"],
    "RecoveryTimeIntent": ["how long will my back spasm last", "when is this going to get better",
                           "how long till i feel better"],
    "WorkIntent": ["should i go to work tomorrow", "can i go back to work yet", "do i need to take time off work"],
    "DrivingIntent": ["is it safe for me to drive", "can i drive my car today", "am i ok to drive"],
    "SleepIntent": ["what position should i sleep in tonight", "how should i lie in bed",
                    "what's the best way to sleep with this"],
    "SexIntent": ["is it ok to have sex", "can i have sex with my back like this", "is sex safe with a bad back"],
    "HeatOrIceIntent": ["should i put ice or heat on it", "is a heating pad a good idea", "will a hot bath help my back"],
    "IsItSeriousIntent": ["is this something serious", "should i be worried about my back", "is it dangerous"],
    "CauseIntent": ["what caused my back spasm", "why did my back go into spasm", "what did i do to cause this"],
}
from test_answers import COUNT, DOSE  # the data-level checks, applied to what is spoken


def device(app, locale: str) -> Device:
    return Device(AppTransport(app), locale=locale, now=NOW, rules=app.extensions["backcoach"]["rules"])


def first_line(app, locale: str, intent: str) -> str:
    """The first spoken line of the intent's answer in the locale (placeholders filled)."""
    answer = app.extensions["backcoach"]["rules"].answers[TOPICS[intent]]
    return texts(locale).fill(answer.lines[0].say)


def test_every_topic_has_an_intent_and_every_topic_intent_is_asked_here(rules):
    assert set(TOPICS.values()) == set(rules.answers)
    assert set(ASKED) == set(TOPICS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("intent", sorted(ASKED))
def test_each_question_asked_three_ways_gets_its_answer_in_every_locale(app, locale, intent):
    for said in ASKED[intent]:
        d = device(app, locale)
        d.say("open back coach")
        turn = d.say(said)
        assert turn.intent == intent, f"{said!r} was heard as {turn.intent}"
        assert first_line(app, locale, intent).lower() in turn.speech.lower()
        assert turn.open and turn.reprompt, "the session's next step is a question, with a reprompt"
        assert turn.speech.rstrip().endswith("?")
        assert not DOSE.search(turn.speech), f"a dose in {turn.speech!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_health_advice_carries_the_short_safety_line_once_and_a_new_user_the_disclaimer(client, locale):
    echo = Echo(client, locale=locale)
    first = echo.say_intent("DrivingIntent")  # a one-shot question: no launch, no disclaimer heard yet
    assert "not a doctor" in first.speech.lower()
    assert f"call {NUMBERS[locale]} now" in first.speech
    again = echo.say_intent("SleepIntent")
    assert f"call {NUMBERS[locale]} now" not in again.speech, "once per session"
    assert "not a doctor" not in again.speech.lower(), "the disclaimer once per user"


def test_after_the_full_safety_net_a_question_does_not_repeat_the_emergency_line(client):
    echo = Echo(client)
    echo.launch()
    echo.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="4")
    advice = echo.say_intent("AMAZON.NoIntent")  # the safety screen: no; the advice carries the safety net
    assert "call 911 straight away" in advice.speech
    answer = echo.say_intent("RecoveryTimeIntent")
    assert "couple of weeks" in answer.speech and "911" not in answer.speech


def test_what_caused_it_is_information_without_the_safety_line(client):
    echo = Echo(client)
    echo.launch()
    answer = echo.say_intent("CauseIntent")
    assert "no clear reason" in answer.speech and "call 911 now" not in answer.speech


@pytest.mark.parametrize("locale, name", [("en-US", "acetaminophen"), ("en-CA", "acetaminophen"),
                                          ("en-GB", "paracetamol"), ("en-AU", "paracetamol"),
                                          ("en-IN", "paracetamol")])
def test_painkillers_are_named_in_the_locales_words_and_send_people_to_a_pharmacist(client, locale, name):
    echo = Echo(client, locale=locale)
    echo.launch()
    answer = echo.say_intent("PainkillersIntent").speech
    other = "paracetamol" if name == "acetaminophen" else "acetaminophen"
    assert name in answer and other not in answer and "ibuprofen" in answer
    assert "pharmacist" in answer and "pregnant" in answer
    assert not DOSE.search(answer)


def test_recovery_time_says_which_day_the_user_is_on(client):
    echo = Echo(client)
    echo.launch()
    echo.say_intent("ReportOnsetIntent", daysAgo="4")
    answer = echo.say_intent("RecoveryTimeIntent").speech
    assert "couple of weeks" in answer and "Yours started 4 days ago." in answer
    unknown = Echo(client)
    unknown.launch()
    assert "Yours started" not in unknown.say_intent("RecoveryTimeIntent").speech


def test_work_holds_back_heavy_lifting_early_and_builds_it_up_later(client):
    early = Echo(client)
    early.launch()
    early.say_intent("CanIExerciseIntent", daysAgo="1", painLevel="6")
    early.say_intent("AMAZON.NoIntent")  # the safety screen
    answer = early.say_intent("WorkIntent").speech
    assert "Hold back from heavy lifting" in answer and "Build heavy lifting back up" not in answer
    later = Echo(client)
    later.launch()
    later.say_intent("CanIExerciseIntent", daysAgo="60", painLevel="0")
    later.say_intent("AMAZON.NoIntent")
    answer = later.say_intent("WorkIntent").speech
    assert "Build heavy lifting back up gradually" in answer and "Hold back" not in answer


def test_work_is_never_taken_for_an_exercise_question(app):
    turn = device(app, "en-US").say("ask back coach can i go to work")
    assert turn.intent == "WorkIntent" and "work" in turn.speech.lower()


@pytest.mark.parametrize("locale", LOCALES)
def test_is_it_serious_reassures_then_runs_the_red_flag_screen(client, locale):
    echo = Echo(client, locale=locale)
    echo.launch()
    answer = echo.say_intent("IsItSeriousIntent")
    assert "isn't caused by anything serious" in answer.speech
    assert echo.attributes.get("ask") == "screen" and answer.open
    doctor = echo.say_intent("AMAZON.NoIntent")
    assert "look after this at home" in doctor.speech, "no red flag: the doctor answer follows"
    flagged = Echo(client, locale=locale)
    flagged.launch()
    flagged.say_intent("IsItSeriousIntent")
    which = flagged.say_intent("AMAZON.YesIntent")
    assert "which one" in which.speech.lower()


def test_is_it_serious_with_a_red_flag_already_known_is_the_care_answer(client):
    echo = Echo(client)
    echo.launch()
    echo.say_intent("ReportSymptomIntent", symptom=("i have a fever", "fever", "SYMPTOM"))
    answer = echo.say_intent("IsItSeriousIntent")
    assert "see a doctor today" in answer.speech.lower() and "isn't caused by anything serious" not in answer.speech
    driving = echo.say_intent("DrivingIntent").speech
    assert driving.index("see a doctor today") < driving.index("braking hard"), "what to do first"


def test_a_question_mid_routine_is_answered_and_yes_carries_on_with_the_routine(client):
    echo = Echo(client)
    echo.launch()
    echo.say_intent("StartStretchIntent")
    echo.say_intent("ReportOnsetIntent", daysAgo="4")
    echo.say_intent("ReportPainIntent", painLevel="2")
    first = echo.say_intent("AMAZON.NoIntent")
    assert "Stretch 1 of" in first.speech
    place = echo.attributes["routine"]
    answer = echo.say_intent("HeatOrIceIntent")
    assert "cold pack" in answer.speech and "carry on" in answer.speech.lower()
    assert echo.attributes["routine"] == place, "the question does not move the routine"
    carried_on = echo.say_intent("AMAZON.YesIntent")
    moved = echo.attributes["routine"]
    assert (moved["i"], moved.get("p", 0)) > (place["i"], place.get("p", 0)) and carried_on.open


def test_with_the_answers_plugin_blocked_the_question_gets_a_sensible_sentence(make_app):
    app = make_app(DISABLED_PLUGINS="answers")
    echo = Echo(app.test_client())
    echo.launch()
    answer = echo.say_intent("PainkillersIntent")
    assert "can't answer that one" in answer.speech and answer.open
