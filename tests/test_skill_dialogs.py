"""The skill's conversations through create_app().test_client() with real request envelopes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alexa import Echo

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # a Monday
RUNNING = ("running", "running", "ACTIVITY")
BLADDER = ("i can't control my bladder", "bladder_control_loss", "SYMPTOM")
FEVER = ("a fever", "fever", "SYMPTOM")
ONE_LEG_NUMB = ("my left leg is numb", "leg_numbness", "SYMPTOM")


@pytest.fixture
def device(client):
    return Echo(client, now=NOW)


def answer_exercise(device, days="3", pain="2"):
    """Walk the can-I-exercise dialog to the answer: onset, pain, screening 'no'."""
    device.say_intent("CanIExerciseIntent")
    device.say_intent("CanIExerciseIntent", daysAgo=days)
    device.say_intent("CanIExerciseIntent", daysAgo=days, painLevel=pain)
    return device.say_intent("AMAZON.NoIntent")


# ------------------------------------------------------------------ launch
def test_first_launch_says_the_disclaimer_once(device):
    first = device.launch()
    assert first.status == 200 and not first.ended
    assert "not a doctor" in first.speech and "911" in first.speech
    assert first.speech.endswith("?") and first.reprompt
    device.end_session()
    second = device.launch()
    assert "not a doctor" not in second.speech and "Welcome back" in second.speech


@pytest.mark.parametrize("locale,number", [("en-US", "911"), ("en-CA", "911"), ("en-GB", "999"),
                                           ("en-AU", "triple zero"), ("en-IN", "1 1 2")])
def test_the_disclaimer_and_emergencies_use_the_locale_number(client, locale, number):
    device = Echo(client, locale=locale, now=NOW)
    assert number in device.launch().speech
    emergency = device.say_intent("ReportSymptomIntent", symptom=BLADDER)
    assert number in emergency.speech and emergency.ended


# ------------------------------------------------------------------ can I exercise
def test_can_i_exercise_elicits_onset_then_pain_then_screens_then_answers(device):
    device.launch()
    a = device.say_intent("CanIExerciseIntent")
    assert a.directive("Dialog.ElicitSlot")["slotToElicit"] == "onsetDate"
    assert "When did your back spasm start" in a.speech and not a.ended
    b = device.say_intent("CanIExerciseIntent", daysAgo="3")
    assert b.directive("Dialog.ElicitSlot")["slotToElicit"] == "painLevel"
    assert "3 days ago" in b.speech and "0 to 10" in b.speech
    c = device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="2")
    assert "safety check" in c.speech and "bladder" in c.speech
    assert "3 days ago" not in c.speech, "facts already acknowledged are not repeated"
    d = device.say_intent("AMAZON.NoIntent")
    assert "Gentle floor stretches are fine" in d.speech
    assert "avoid heavy lifting, twisting" in d.speech
    assert "In 5 days, you can add bridges" in d.speech, "the timeline's day 8, said relative to today"
    assert d.speech.endswith("guide you through today's stretches?")
    assert d.card and d.card["title"] == "Back Coach"
    e = device.say_intent("CanIExerciseIntent")
    assert "safety check" not in e.speech, "the screening question is asked once per conversation"


def test_the_elicited_slot_is_cleared_in_the_updated_intent(device):
    device.say_intent("CanIExerciseIntent", daysAgo="3")
    a = device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="11")
    elicit = a.directive("Dialog.ElicitSlot")
    assert elicit["slotToElicit"] == "painLevel" and "number from 0 to 10" in a.speech
    assert "value" not in elicit["updatedIntent"]["slots"]["painLevel"]
    assert elicit["updatedIntent"]["slots"]["daysAgo"]["value"] == "3"


def test_asking_about_an_activity_says_when_it_opens(device):
    device.say_intent("CanIExerciseIntent", activity=RUNNING, daysAgo="5", painLevel="4")
    a = device.say_intent("AMAZON.NoIntent")
    assert "Running isn't a good idea yet" in a.speech
    assert "in about 2 weeks, once your pain is 3 or less" in a.speech  # day 21 is 16 days away


def test_an_activity_that_needs_no_pain_says_so_in_words(device):
    device.say_intent("CanIExerciseIntent", activity=("a spin class", "spin_class", "ACTIVITY"), daysAgo="2",
                      painLevel="7")
    a = device.say_intent("AMAZON.NoIntent")
    assert "once your pain has gone" in a.speech and "0 or less" not in a.speech


def test_an_allowed_activity_gets_a_yes(device):
    device.say_intent("CanIExerciseIntent", activity=("go for a walk", "walking", "ACTIVITY"),
                      daysAgo="4", painLevel="2")
    assert "Yes, walking for 5 to 10 minutes is fine today" in device.say_intent("AMAZON.NoIntent").speech


def test_an_activity_without_a_resolution_is_matched_by_its_words(device):
    device.say_intent("CanIExerciseIntent", activity=("swimming", None, "ACTIVITY"), daysAgo="20", painLevel="1")
    assert "Yes, swimming is fine today" in device.say_intent("AMAZON.NoIntent").speech


def test_an_onset_date_counts_days_and_a_weekday_means_the_past_one(device):
    # Alexa resolves "Friday" said on Monday 23 November to the coming Friday, 27 November.
    a = device.say_intent("ReportOnsetIntent", onsetDate="2026-11-27")
    assert "3 days ago" in a.speech
    b = device.say_intent("ReportOnsetIntent", onsetDate="2026-11-22")
    assert "yesterday" in b.speech


@pytest.mark.parametrize("slots,fragment", [
    ({"onsetDate": "2028-01-01"}, "That date is in the future."),
    ({"onsetDate": "2026-W47"}, "I need the day it started."),
    ({"onsetDate": "tomorrow-ish"}, "I didn't catch when it started."),
    ({"daysAgo": "-3"}, "That date is in the future."),
    ({"daysAgo": "?"}, "I didn't catch when it started."),
    ({"daysAgo": "99999"}, "I didn't catch when it started."),
])
def test_odd_onset_values_are_explained_and_asked_again(device, slots, fragment):
    a = device.say_intent("CanIExerciseIntent", **slots)
    assert fragment in a.speech
    assert a.directive("Dialog.ElicitSlot")["slotToElicit"] == "onsetDate"


@pytest.mark.parametrize("value", ["11", "-3", "?", "eleven", "6.7.1"])
def test_odd_pain_values_are_asked_again(device, value):
    device.say_intent("ReportOnsetIntent", daysAgo="2")
    a = device.say_intent("ReportPainIntent", painLevel=value)
    assert "number from 0 to 10" in a.speech and not a.ended
    assert "case" not in a.attributes or "pain" not in a.attributes["case"]


def test_a_date_without_a_year_that_alexa_put_next_year_means_last_year(device):
    # "November twentieth" said on 23 November 2026 resolves to the coming one, 2027-11-20.
    for value in ("2027-11-20", "XXXX-11-20"):
        device.new_session()
        answer = device.say_intent("ReportOnsetIntent", onsetDate=value)
        assert "3 days ago" in answer.speech and answer.attributes["case"]["onset"] == "2026-11-20"


def test_present_ref_means_today(device):
    assert "started today" in device.say_intent("ReportOnsetIntent", onsetDate="PRESENT_REF").speech


def test_reported_facts_lead_on_to_the_exercise_answer(device):
    a = device.say_intent("ReportOnsetIntent", daysAgo="10")
    assert "10 days ago" in a.speech and "0 to 10" in a.speech
    b = device.say_intent("ReportPainIntent", painLevel="5")
    assert "safety check" in b.speech
    c = device.say_intent("AMAZON.NoIntent")
    assert "Walks of 10 to 20 minutes are fine" in c.speech


def test_severe_pain_means_see_a_doctor_and_rest(device):
    answer = answer_exercise(device, days="2", pain="8")
    assert "Book an appointment" in answer.speech and "your pain score" in answer.speech
    assert "Keep moving gently around your home" in answer.speech


# ------------------------------------------------------------------ screening and red flags
def test_a_yes_to_screening_asks_which_then_triages(device):
    device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="2")
    a = device.say_intent("AMAZON.YesIntent")
    assert "Which one do you have" in a.speech and not a.ended
    b = device.say_intent("ReportSymptomIntent", symptom=BLADDER)
    assert "Call 911 now" in b.speech and b.ended
    assert b.card["title"] == "Get help now"


def test_a_yes_without_naming_the_symptom_fails_safe(device):
    device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="2")
    device.say_intent("AMAZON.YesIntent")
    a = device.say_intent("AMAZON.YesIntent")
    assert "get medical help today" in a.speech and "call 911 now" in a.speech
    b = device.say_intent("AMAZON.FallbackIntent")
    assert "call 911 now" in b.speech


STATES = {
    "idle": lambda d: d.launch(),
    "mid dialog": lambda d: d.say_intent("CanIExerciseIntent", daysAgo="3"),
    "screening": lambda d: d.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="2"),
    "mid stretch": lambda d: (answer_exercise(d), d.say_intent("AMAZON.YesIntent")),
    "forget question": lambda d: d.say_intent("ForgetMeIntent"),
    "new session": lambda d: None,
}


@pytest.mark.parametrize("state", STATES)
def test_an_emergency_red_flag_is_answered_at_once_in_any_state(device, state):
    STATES[state](device)
    a = device.say_intent("ReportSymptomIntent", symptom=BLADDER)
    assert "Call 911 now, or go to the emergency room" in a.speech
    assert a.ended
    assert "stretch" not in a.speech.lower()


@pytest.mark.parametrize("state", STATES)
def test_an_urgent_red_flag_means_a_doctor_today_and_no_stretch_advice(device, state):
    STATES[state](device)
    a = device.say_intent("ReportSymptomIntent", symptom=FEVER)
    assert "see a doctor today" in a.speech and "Don't exercise or stretch" in a.speech
    assert "Stretch " not in a.speech
    if not a.ended:
        b = device.say_intent("StartStretchIntent")
        assert "see a doctor today" in b.speech and "Stretch 1" not in b.speech


def test_an_emergency_mid_stretch_clears_the_saved_routine(device):
    answer_exercise(device)
    device.say_intent("AMAZON.YesIntent")
    device.say_intent("ReportSymptomIntent", symptom=("my legs are both numb", "numbness_in_both_legs", "SYMPTOM"))
    again = device.launch()
    assert "You stopped at stretch" not in again.speech


def test_a_symptom_named_in_words_without_a_resolution_is_still_recognised(device):
    a = device.say_intent("ReportSymptomIntent", symptom=("numbness in both legs", None, "SYMPTOM"))
    assert "Call 911 now" in a.speech


def test_an_unknown_symptom_gets_the_safety_net_and_a_question(device):
    a = device.say_intent("ReportSymptomIntent", symptom=("purple toes", None, "SYMPTOM"))
    assert "didn't catch that symptom" in a.speech and "call 911 now" in a.speech
    assert not a.ended


def test_a_leg_symptom_mid_routine_stops_it_at_once_and_screens_for_red_flags(device):
    answer_exercise(device, days="30", pain="0")
    device.say_intent("AMAZON.YesIntent")
    a = device.say_intent("ReportSymptomIntent", symptom=("pain down my left leg", "pain_down_leg", "SYMPTOM"))
    assert a.speech.startswith("Stop the stretch now.") and "routine" not in a.attributes
    assert "Come out of it slowly" in a.speech and a.speech.endswith("trouble peeing?")
    rest = device.say_intent("AMAZON.NoIntent")
    assert "stop the stretches for today" in rest.speech and "see a doctor" in rest.speech
    assert "Stretch" not in rest.speech


def test_age_over_fifty_means_see_a_doctor(device):
    device.say_intent("ReportSymptomIntent", age="67")
    answer = answer_exercise(device)
    assert "Book an appointment" in answer.speech and "because of being over 50" in answer.speech


@pytest.mark.parametrize("age", ["-4", "300", "?"])
def test_odd_ages_are_not_recorded(device, age):
    a = device.say_intent("ReportSymptomIntent", age=age)
    assert "didn't catch your age" in a.speech and "age" not in a.attributes.get("case", {})


# ------------------------------------------------------------------ see a doctor
def test_should_i_see_a_doctor_screens_first_then_answers(device):
    a = device.say_intent("SeeDoctorIntent")
    assert "safety check" in a.speech
    b = device.say_intent("AMAZON.NoIntent")
    assert "look after this at home" in b.speech
    assert "2 weeks" in b.speech


def test_should_i_see_a_doctor_with_a_see_doctor_symptom(device):
    device.say_intent("ReportSymptomIntent", symptom=ONE_LEG_NUMB)
    device.say_intent("SeeDoctorIntent")
    b = device.say_intent("AMAZON.NoIntent")
    assert "Book an appointment" in b.speech and "numbness in one leg" in b.speech.lower()


# ------------------------------------------------------------------ tips, lists, help, exits
def test_relief_tips_are_sourced_advice_with_a_question(device):
    a = device.say_intent("ReliefTipsIntent")
    assert "Here's what helps" in a.speech and "pharmacist" in a.speech
    assert "mg" not in a.speech and "CBD" not in a.speech
    assert a.speech.endswith("?")


def test_list_stretches_asks_for_the_onset_then_lists_todays(device):
    a = device.say_intent("ListStretchesIntent")
    assert "13 stretches" in a.speech and "When did your back spasm start" in a.speech
    device.say_intent("ReportOnsetIntent", daysAgo="9")
    device.say_intent("ReportPainIntent", painLevel="2")
    b = device.say_intent("AMAZON.NoIntent")
    assert "Today you can do:" in b.speech and "bridge" in b.speech
    c = device.say_intent("AMAZON.YesIntent")
    assert "Stretch 1 of" in c.speech


def test_help_is_contextual_and_ends_with_a_question(device):
    a = device.say_intent("AMAZON.HelpIntent")
    assert "can I exercise today" in a.speech and a.speech.endswith("?") and a.reprompt
    answer_exercise(device)
    device.say_intent("AMAZON.YesIntent")
    b = device.say_intent("AMAZON.HelpIntent")
    assert "Say next to carry on, previous to go back" in b.speech  # a stretch may take several turns


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_end_cleanly(device, intent):
    device.launch()
    a = device.say_intent(intent)
    assert a.ended and "Goodbye" in a.speech and a.status == 200


def test_fallback_gives_a_hint_and_gives_up_after_three_misses(device):
    a = device.say_intent("AMAZON.FallbackIntent")
    assert "didn't get that" in a.speech and a.speech.endswith("?") and not a.ended
    device.say_intent("AMAZON.FallbackIntent")
    c = device.say_intent("AMAZON.FallbackIntent")
    assert c.ended and "stop for now" in c.speech


def test_an_unknown_intent_is_handled_like_fallback(device):
    a = device.say_intent("OrderPizzaIntent", topping="ham")
    assert a.status == 200 and "didn't get that" in a.speech and not a.ended


def test_navigate_home_keeps_the_routine_and_asks(device):
    answer_exercise(device)
    device.say_intent("AMAZON.YesIntent")
    a = device.say_intent("AMAZON.NavigateHomeIntent")
    assert a.speech.endswith("?") and "routine" not in a.attributes
    b = device.say_intent("AMAZON.ResumeIntent")
    assert "Stretch 1 of" in b.speech


def test_yes_and_no_without_a_question(device):
    a = device.say_intent("AMAZON.YesIntent")
    assert "didn't get that" in a.speech
    device.new_session()
    b = device.say_intent("AMAZON.NoIntent")
    assert b.ended and "Goodbye" in b.speech


def test_anything_else_no_ends_the_session(device):
    device.say_intent("ReliefTipsIntent")
    assert device.say_intent("AMAZON.NoIntent").ended


def test_repeat_replays_the_last_answer(device):
    a = device.say_intent("ReliefTipsIntent")
    b = device.say_intent("AMAZON.RepeatIntent")
    assert b.speech == a.speech and not b.ended


def test_session_ended_and_out_of_session_events_get_empty_answers(device):
    device.launch()
    ended = device.end_session()
    assert ended.status == 200 and "outputSpeech" not in ended.response
