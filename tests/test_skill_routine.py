"""The guided stretch coach: a full routine with every navigation command, across sessions."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from alexa import Echo
from rules import Case, default_rules

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def device(client):
    return Echo(client, now=NOW)


def tell_case(device, days, pain):
    """Onset, pain, and "no" to the safety screening question."""
    device.say_intent("ReportOnsetIntent", daysAgo=days)
    device.say_intent("ReportPainIntent", painLevel=pain)
    return device.say_intent("AMAZON.NoIntent")


def start_routine(device, days="9", pain="2"):
    tell_case(device, days, pain)
    return device.say_intent("AMAZON.YesIntent")  # yes, guide me through today's stretches


def step_number(answer) -> tuple[int, int]:
    match = re.search(r"Stretch (\d+) of (\d+)", answer.speech)
    assert match, answer.speech
    return int(match[1]), int(match[2])


def test_a_full_routine_with_every_command(device):
    expected = [s.name for s in default_rules().routine(Case(days_since_onset=9, pain=2))]
    first = start_routine(device)
    assert first.speech.startswith(f"Today's routine has {len(expected)} stretches")
    assert "only stretch as far as feels comfortable" in first.speech
    assert step_number(first) == (1, len(expected)) and expected[0] in first.speech
    assert first.speech.endswith("Say next when you're ready.") and "Say next" in first.reprompt

    second = device.say_intent("AMAZON.NextIntent")
    assert step_number(second) == (2, len(expected)) and expected[1] in second.speech
    back = device.say_intent("AMAZON.PreviousIntent")
    assert step_number(back) == (1, len(expected))
    at_start = device.say_intent("AMAZON.PreviousIntent")
    assert "This is the first stretch" in at_start.speech and step_number(at_start)[0] == 1
    device.say_intent("AMAZON.NextIntent")
    again = device.say_intent("AMAZON.RepeatIntent")
    assert step_number(again)[0] == 2 and expected[1] in again.speech
    over = device.say_intent("AMAZON.StartOverIntent")
    assert step_number(over)[0] == 1

    for number in range(2, len(expected) + 1):
        step = device.say_intent("AMAZON.NextIntent")
        assert step_number(step) == (number, len(expected)) and expected[number - 1] in step.speech
    done = device.say_intent("AMAZON.NextIntent")
    assert f"That's your routine done: {len(expected)} stretches" in done.speech
    assert "Well done" in done.speech and done.speech.endswith("?")
    assert "routine" not in done.attributes


def test_every_stretch_speaks_its_warning_steps_and_holds(device):
    answer = start_routine(device, days="30", pain="0")
    while "routine done" not in answer.speech:
        stretch = default_rules().stretches[answer.attributes["routine"]["ids"][answer.attributes["routine"]["i"]]]
        assert stretch.stop_if in answer.speech
        for sentence in stretch.setup:
            assert sentence in answer.speech
        longest = max(m.hold for m in stretch.moves)
        if longest >= 10:
            assert f"Hold for {longest} seconds." in answer.speech and "<break" in answer.ssml
        breaks = [int(x) for x in re.findall(r'<break time="(\d+)s"/>', answer.ssml)]
        assert all(b <= 10 for b in breaks)
        assert sum(breaks) >= stretch.hold_seconds - 5 * stretch.repetitions * len(stretch.moves)
        answer = device.say_intent("AMAZON.NextIntent")


def test_pause_then_resume_in_a_new_session(device):
    start_routine(device)
    device.say_intent("AMAZON.NextIntent")
    paused = device.say_intent("AMAZON.PauseIntent")
    assert paused.ended and "Paused at stretch 2" in paused.speech
    assert "resume my stretches" in paused.speech
    # A new session, the next day: health facts are gone, the position is not.
    device.advance(days=1)
    check_in = device.say_intent("AMAZON.ResumeIntent")
    assert "anything new since last time" in check_in.speech.lower() and check_in.open
    resumed = device.say_intent("AMAZON.NoIntent")
    assert step_number(resumed)[0] == 2
    assert "case" not in resumed.attributes
    device.say_intent("AMAZON.NextIntent")
    device.end_session()
    launch = device.launch()
    assert "You stopped at stretch 3" in launch.speech and launch.speech.endswith("?")
    carry_on = device.say_intent("AMAZON.YesIntent")
    assert step_number(carry_on)[0] == 3, "saved today: no check-in"


def test_stop_saves_the_place_and_no_starts_fresh(device):
    start_routine(device)
    stopped = device.say_intent("AMAZON.StopIntent")
    assert stopped.ended and "saved your place" in stopped.speech
    launch = device.launch()
    assert "You stopped at stretch 1" in launch.speech
    fresh = device.say_intent("AMAZON.NoIntent")
    assert not fresh.ended
    device.end_session()
    assert "You stopped at stretch" not in device.launch().speech


def test_a_session_that_times_out_mid_routine_keeps_the_position(device):
    start_routine(device)
    device.say_intent("AMAZON.NextIntent")
    device.end_session(reason="EXCEEDED_MAX_REPROMPTS")
    assert step_number(device.say_intent("AMAZON.ResumeIntent"))[0] == 2


def test_start_stretch_without_a_case_asks_first(device):
    a = device.say_intent("StartStretchIntent")
    assert "When did your back spasm start" in a.speech and "Dialog.ElicitSlot" not in str(a.directives)
    device.say_intent("ReportOnsetIntent", daysAgo="4")
    device.say_intent("ReportPainIntent", painLevel="3")
    b = device.say_intent("AMAZON.NoIntent")
    assert "Stretch 1 of" in b.speech


def test_at_rest_only_breathing_and_walking_are_offered(device):
    device.say_intent("StartStretchIntent")
    device.say_intent("ReportOnsetIntent", daysAgo="1")
    device.say_intent("ReportPainIntent", painLevel="3")
    offer = device.say_intent("AMAZON.NoIntent")
    assert "no stretching routine yet" in offer.speech and "walking" in offer.speech
    assert offer.speech.endswith("Shall we start?")
    breathing = device.say_intent("AMAZON.YesIntent")
    assert "deep belly breathing" in breathing.speech and breathing.attributes["routine"]["ids"] == [
        "diaphragmatic_breathing"]


def test_a_named_stretch_that_is_allowed(device):
    tell_case(device, "5", "2")
    a = device.say_intent("StartStretchIntent", stretch=("child's pose", "childs_pose", "STRETCH"))
    assert "Let's do child's pose" in a.speech and "Stretch 1 of 1" in a.speech


def test_a_named_stretch_that_is_not_yet_allowed_says_when_it_opens(device):
    tell_case(device, "5", "2")
    a = device.say_intent("StartStretchIntent", stretch=("bridges", "bridge", "STRETCH"))
    assert "Bridge isn't right for you today" in a.speech and "opens in 3 days" in a.speech
    assert a.speech.endswith("?")


def test_a_contraindicated_stretch_is_refused_with_the_reason(device):
    device.say_intent("ReportOnsetIntent", daysAgo="30")
    device.say_intent("ReportPainIntent", painLevel="0")
    device.say_intent("ReportSymptomIntent", symptom=("sciatica in my left leg", "pain_down_leg", "SYMPTOM"))
    device.say_intent("AMAZON.NoIntent")
    a = device.say_intent("StartStretchIntent", stretch=("toe touch", "seated_forward_bend", "STRETCH"))
    assert "isn't right for you today" in a.speech and "not a good idea with" in a.speech


def test_an_unknown_stretch_is_named_back_and_today_offered(device):
    a = device.say_intent("StartStretchIntent", stretch=("the pretzel", None, "STRETCH"))
    assert "I don't know a stretch called the pretzel" in a.speech and a.speech.endswith("?")


def test_stretch_steps_show_on_apl_screens_and_cards_elsewhere(client):
    screen = Echo(client, apl=True, now=NOW)
    a = start_routine(screen)
    apl = a.directive("Alexa.Presentation.APL.RenderDocument")
    assert apl is not None and apl["document"]["type"] == "APL"
    payload = apl["datasources"]["payload"]["stretch"]
    assert payload["progress"].startswith("Stretch 1 of") and payload["name"]
    speaker = Echo(client, apl=False, now=NOW)
    b = start_routine(speaker)
    assert b.directive("Alexa.Presentation.APL.RenderDocument") is None
    assert b.card["type"] == "Simple" and b.card["title"].startswith("Stretch 1 of")


def test_counts_of_completed_routines_are_praised(device):
    for _ in range(2):
        answer = start_routine(device, days="1", pain="2")  # at rest: breathing only
        if "Shall we start" in answer.speech:
            answer = device.say_intent("AMAZON.YesIntent")
        done = device.say_intent("AMAZON.NextIntent")
        device.end_session()
    assert "That's 2 routines completed" in done.speech


def test_next_without_a_routine_offers_one(device):
    a = device.say_intent("AMAZON.NextIntent")
    assert "don't have a routine in progress" in a.speech and a.speech.endswith("?")


def test_yes_during_a_routine_means_next(device):
    start_routine(device)
    assert step_number(device.say_intent("AMAZON.YesIntent"))[0] == 2


def test_a_single_stretch_ends_with_singular_praise(device):
    tell_case(device, "5", "2")
    device.say_intent("StartStretchIntent", stretch=("cat cow", "cat_cow", "STRETCH"))
    done = device.say_intent("AMAZON.NextIntent")
    assert "That's your stretch done." in done.speech and "1 stretches" not in done.speech


def test_a_symptom_mid_routine_stops_it_without_praise_and_screens(device):
    tell_case(device, "30", "0")
    device.say_intent("StartStretchIntent", stretch=("toe touch", "seated_forward_bend", "STRETCH"))
    stopped = device.say_intent("ReportSymptomIntent", symptom=("pins and needles in my foot", "leg_tingling", "SYMPTOM"))
    assert stopped.speech.startswith("Stop the stretch now.") and "Book an appointment" in stopped.speech
    assert "Well done" not in stopped.speech and "routine" not in stopped.attributes
    assert stopped.speech.endswith("?")
    which = device.say_intent("AMAZON.YesIntent")  # yes to the screen: which one?
    assert "Which one do you have" in which.speech


def test_at_rest_the_exercise_answer_offers_breathing_and_yes_starts_it(device):
    device.say_intent("CanIExerciseIntent", daysAgo="1", painLevel="2")
    answer = device.say_intent("AMAZON.NoIntent")
    assert answer.speech.endswith("guide you through some relaxed breathing?")
    start = device.say_intent("AMAZON.YesIntent")
    assert "deep belly breathing" in start.speech and "Shall we start" not in start.speech


def test_an_onset_beyond_ten_years_in_the_session_still_gets_an_answer(device):
    device.attributes = {"case": {"onset": "2001-01-01", "pain": 1, "screened": True}}
    device.new = False
    answer = device.say_intent("CanIExerciseIntent")
    assert answer.status == 200 and "something went wrong" not in answer.speech
