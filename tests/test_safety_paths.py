"""Safety on every voice path (issue 12): conversations through the real app, in every locale
where the wording differs (the emergency number).

Each test drives a real Flask app with real request envelopes (tests/alexa.py) and checks what
the user hears at an awkward moment: after a miss, while a number is asked, mid-stretch, at the
safety screen, on a later day, with a vague complaint, or as a one-shot question.
"""

from __future__ import annotations

import pytest

from alexa import Echo

NUMBERS = {"en-US": "911", "en-GB": "999", "en-CA": "911", "en-AU": "triple zero", "en-IN": "1 1 2"}
LOCALES = sorted(NUMBERS)
BOTH_LEGS_NUMB = ("my legs are numb", "numbness_in_both_legs", "SYMPTOM")


@pytest.fixture
def echo(client):
    def make(locale: str = "en-US", **kwargs) -> Echo:
        return Echo(client, locale=locale, **kwargs)
    return make


def start_routine(device: Echo):
    device.launch()
    device.say_intent("StartStretchIntent")
    device.say_intent("ReportOnsetIntent", daysAgo="4")
    device.say_intent("ReportPainIntent", painLevel="2")
    step = device.say_intent("AMAZON.NoIntent")
    assert "Stretch 1 of" in step.speech and step.attributes.get("routine")
    return step


# ------------------------------------------------------------------ 1. dead ends carry the safety line
@pytest.mark.parametrize("locale", LOCALES)
def test_a_miss_reprompts_with_the_emergency_line_once_and_the_goodbye_carries_it(echo, locale):
    device = echo(locale)
    device.launch()
    first = device.say_intent("AMAZON.FallbackIntent")
    assert f"call {NUMBERS[locale]} now" in first.reprompt and first.open
    second = device.say_intent("AMAZON.FallbackIntent")
    assert "call" not in second.reprompt, "once per session"
    bye = device.say_intent("AMAZON.FallbackIntent")
    assert bye.ended and f"call {NUMBERS[locale]} now" in bye.speech


# ------------------------------------------------------------------ 2. "I need help", from any state
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("state", ["opening", "pain asked", "screen asked", "mid-stretch"])
def test_emergency_help_is_answered_at_once_from_any_state(echo, locale, state):
    device = echo(locale)
    if state == "mid-stretch":
        start_routine(device)
    else:
        device.launch()
        if state in ("pain asked", "screen asked"):
            device.say_intent("CanIExerciseIntent", daysAgo="2")
        if state == "screen asked":
            device.say_intent("CanIExerciseIntent", daysAgo="2", painLevel="5")
    answer = device.say_intent("EmergencyHelpIntent")
    assert answer.speech.startswith("I can't make calls.")
    assert f"Call {NUMBERS[locale]} now" in answer.speech and "Tell them where you are" in answer.speech
    assert answer.ended and answer.card["title"] == "Get help now"


@pytest.mark.parametrize(("locale", "heard"), [("en-US", "911"), ("en-GB", "999"), ("en-AU", "000"),
                                               ("en-IN", "112"), ("en-IN", "108")])
def test_an_emergency_number_heard_as_the_pain_score_gets_the_emergency_answer(echo, locale, heard):
    device = echo(locale)
    device.launch()
    device.say_intent("CanIExerciseIntent", daysAgo="2")  # the skill now elicits the pain score
    answer = device.say_intent("CanIExerciseIntent", daysAgo="2", painLevel=heard)
    assert f"Call {NUMBERS[locale]} now" in answer.speech and answer.ended
    assert "0 to 10" not in answer.speech


# ------------------------------------------------------------------ 3. a red flag while a question waits
@pytest.mark.parametrize("pending", ["onset", "pain", "screen", "which symptom", "anything else"])
def test_a_red_flag_said_while_a_question_waits_is_answered_first(echo, pending):
    device = echo()
    device.launch()
    if pending == "onset":
        device.say_intent("CanIExerciseIntent")
    elif pending == "pain":
        device.say_intent("CanIExerciseIntent", daysAgo="3")
    elif pending == "screen":
        device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="4")
    elif pending == "which symptom":
        device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="4")
        assert "Which one" in device.say_intent("AMAZON.YesIntent").speech
    else:
        device.say_intent("ReliefTipsIntent")
    answer = device.say_intent("ReportPainIntent", painLevel="10", symptom=BOTH_LEGS_NUMB)
    assert answer.speech.startswith("Call 911 now") and answer.ended
    assert "pain 10" not in answer.speech.lower()


# ------------------------------------------------------------------ 4. mid-stretch: it hurts
@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_that_hurts_mid_stretch_stops_the_routine_says_what_to_do_and_screens(echo, locale):
    device = echo(locale)
    start_routine(device)
    hurt = device.say_intent("ItHurtsIntent")
    assert hurt.speech.startswith("Stop the stretch now.") and "rest in a position" in hurt.speech
    assert "routine" not in hurt.attributes and hurt.speech.endswith("trouble peeing?")
    worse = device.say_intent("ReportSymptomIntent", symptom=BOTH_LEGS_NUMB)
    assert f"Call {NUMBERS[locale]} now" in worse.speech and worse.ended


def test_after_that_hurts_no_means_rest_and_the_place_is_kept(echo):
    device = echo()
    start_routine(device)
    device.next_stretch()
    device.say_intent("ItHurtsIntent")
    rest = device.say_intent("AMAZON.NoIntent")
    assert "stop the stretches for today" in rest.speech and rest.speech.endswith("?")
    device.end_session()
    assert "You stopped at stretch 2" in device.launch().speech


def test_a_numb_foot_mid_stretch_stops_it_and_asks_about_the_emergency_signs(echo):
    device = echo()
    start_routine(device)
    foot = device.say_intent("ReportSymptomIntent", symptom=("i can't feel my foot", "leg_numbness", "SYMPTOM"))
    assert foot.speech.startswith("Stop the stretch now.") and "Book an appointment" in foot.speech
    assert foot.speech.endswith("trouble peeing?") and "routine" not in foot.attributes


# ------------------------------------------------------------------ 5. the screen covers the urgent flags
def test_the_screen_asks_about_urgent_flags_too_and_yes_leads_to_which_one(echo):
    device = echo()
    screen = device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="4")
    for flag in ("groin", "bladder", "weak legs", "a fever", "cancer", "a recent fall"):
        assert flag in screen.speech
    assert len(screen.speech.split("One quick safety check.")[1].split()) <= 35
    which = device.say_intent("AMAZON.YesIntent")
    assert "Which one do you have" in which.speech
    urgent = device.say_intent("ReportSymptomIntent", symptom=("i've got a temperature", "fever", "SYMPTOM"))
    assert urgent.speech.startswith("Please see a doctor today.")


# ------------------------------------------------------------------ 6. a later day: check in first
def test_resuming_on_a_later_day_asks_what_is_new_and_a_red_flag_wins(echo):
    device = echo()
    start_routine(device)
    device.say_intent("AMAZON.PauseIntent")
    device.advance(days=2)
    launch = device.launch()
    assert "You stopped at stretch 1" in launch.speech
    check_in = device.say_intent("AMAZON.YesIntent")
    assert "anything new since last time" in check_in.speech.lower() and "Stretch" not in check_in.speech
    which = device.say_intent("AMAZON.YesIntent")
    assert "Which one" in which.speech
    urgent = device.say_intent("ReportSymptomIntent", symptom=("I had cancer", "history_of_cancer", "SYMPTOM"))
    assert urgent.speech.startswith("Please see a doctor today.") and "routine" not in urgent.attributes


# ------------------------------------------------------------------ 7. urgent replies lead with the action
@pytest.mark.parametrize("locale", LOCALES)
def test_urgent_replies_lead_with_the_action_and_say_when_to_call_instead(echo, locale):
    device = echo(locale)
    device.launch()
    answer = device.say_intent("ReportSymptomIntent", symptom=("i've got a fever", "fever", "SYMPTOM"))
    assert answer.speech.startswith("Please see a doctor today.") and "Thanks" not in answer.speech
    assert "because of a high temperature" in answer.speech
    assert f"call {NUMBERS[locale]} instead" in answer.speech


# ------------------------------------------------------------------ 9. vague leg complaints
def test_a_vague_leg_complaint_gets_one_question_then_yes_is_the_emergency(echo):
    device = echo()
    device.launch()
    question = device.say_intent("ReportSymptomIntent", symptom=("my legs hurt", "legs_unclear", "SYMPTOM"))
    assert question.speech == "Is it in both legs, or do your legs feel numb or weak?" and question.open
    assert "Call 911" not in question.speech
    answer = device.say_intent("AMAZON.YesIntent")
    assert answer.speech.startswith("Call 911 now") and answer.ended


def test_a_vague_leg_complaint_answered_no_is_not_an_emergency_and_carries_on(echo):
    device = echo()
    device.say_intent("CanIExerciseIntent", daysAgo="10", painLevel="2")
    device.say_intent("ReportSymptomIntent", symptom=("my legs ache", "legs_unclear", "SYMPTOM"))
    answer = device.say_intent("AMAZON.NoIntent")
    assert "Call 911" not in answer.speech and answer.open
    assert "pain_down_leg" in answer.attributes["case"]["symptoms"], "one sore leg: no forward bends"


def test_an_unclear_answer_to_the_leg_question_fails_safe(echo):
    device = echo()
    device.say_intent("ReportSymptomIntent", symptom=("i can't walk properly", "walking_unclear", "SYMPTOM"))
    answer = device.say_intent("AMAZON.FallbackIntent")
    assert answer.speech.startswith("Call 911 now")


def test_specific_leg_red_flags_are_never_delayed_by_a_question(echo):
    device = echo()
    answer = device.say_intent("ReportSymptomIntent", symptom=BOTH_LEGS_NUMB)
    assert answer.speech.startswith("Call 911 now") and answer.ended


# ------------------------------------------------------------------ 11. one-shot users hear the disclaimer
def test_a_one_shot_question_from_a_new_user_carries_the_disclaimer_once(echo):
    device = echo()
    answer = device.say_intent("ReliefTipsIntent")  # "Alexa, ask back coach what helps", no launch
    assert answer.speech.startswith("I'm not a doctor: this is general guidance, not medical advice.")
    again = device.say_intent("ReliefTipsIntent")
    assert "I'm not a doctor" not in again.speech
    device.end_session()
    assert "I'm not a doctor" not in device.launch().speech, "heard once per user, launch included"
