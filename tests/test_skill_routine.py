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


def place(answer) -> tuple[int, int]:
    """(stretch index, turn of that stretch) the routine is at after `answer`."""
    routine = answer.attributes["routine"]
    return routine["i"], routine.get("p", 0)


def next_stretch(device):
    """Say next until the routine reaches its next stretch (a stretch may take several turns)."""
    answer = device.say_intent("AMAZON.NextIntent")
    while "routine" in answer.attributes and place(answer)[1] > 0:
        answer = device.say_intent("AMAZON.NextIntent")
    return answer


PROMPT = re.compile(r"Say next (when you're ready|when you're in position|for the other side|to carry on)\.$")


def test_a_full_routine_with_every_command(device):
    expected = [s.name for s in default_rules().routine(Case(days_since_onset=9, pain=2))]
    first = start_routine(device)
    assert first.speech.startswith(f"Today's routine has {len(expected)} stretches")
    assert "only stretch as far as feels comfortable" in first.speech
    assert step_number(first) == (1, len(expected)) and expected[0] in first.speech
    assert PROMPT.search(first.speech) and "Say next" in first.reprompt and place(first) == (0, 0)

    second = device.say_intent("AMAZON.NextIntent")
    assert place(second) == (0, 1) and "Stretch" not in second.speech, "stretch 1 takes two turns"
    back = device.say_intent("AMAZON.PreviousIntent")
    assert place(back) == (0, 0) and step_number(back) == (1, len(expected))
    at_start = device.say_intent("AMAZON.PreviousIntent")
    assert "This is the first stretch" in at_start.speech and place(at_start) == (0, 0)
    device.say_intent("AMAZON.NextIntent")
    again = device.say_intent("AMAZON.RepeatIntent")
    assert place(again) == (0, 1) and again.speech == second.speech, "its first repetition is the full one already"
    over = device.say_intent("AMAZON.StartOverIntent")
    assert place(over) == (0, 0)

    visited, answer = [place(over)], over
    while True:
        answer = device.say_intent("AMAZON.NextIntent")
        if "routine" not in answer.attributes:
            break
        i, p = place(answer)
        assert (i, p) in ((visited[-1][0], visited[-1][1] + 1), (visited[-1][0] + 1, 0)), (visited[-1], (i, p))
        if p == 0:
            assert step_number(answer) == (i + 1, len(expected)) and expected[i] in answer.speech
        assert PROMPT.search(answer.speech), answer.speech
        visited.append((i, p))
    assert visited[-1][0] == len(expected) - 1 and len(visited) > len(expected)
    assert f"That's your routine done: {len(expected)} stretches" in answer.speech
    assert "Well done" in answer.speech and answer.speech.endswith("?")


def test_repeat_says_the_full_instruction_again(device):
    tell_case(device, "9", "2")
    device.say_intent("StartStretchIntent", stretch=("bridge", "bridge", "STRETCH"))
    bridge = default_rules().stretches["bridge"]
    lift = bridge.moves[0]
    turns = [device.say_intent("AMAZON.NextIntent")]
    while lift.say not in turns[-1].speech or turns[-1].speech.count(lift.cue) == 0:
        turns.append(device.say_intent("AMAZON.NextIntent"))  # to a turn that starts with a cue
    cued = device.say_intent("AMAZON.NextIntent")
    assert lift.say not in cued.speech and cued.speech.startswith(lift.cue)
    again = device.say_intent("AMAZON.RepeatIntent")
    assert again.speech.startswith(lift.say) and place(again) == place(cued)
    assert again.speech.count(lift.cue) == cued.speech.count(lift.cue) - 1


def test_every_stretch_speaks_its_warning_steps_and_holds(device):
    answer = start_routine(device, days="30", pain="0")
    said: dict[str, str] = {}
    while "routine" in answer.attributes:
        ident = answer.attributes["routine"]["ids"][place(answer)[0]]
        said[ident] = said.get(ident, "") + " " + answer.speech
        breaks = [int(x) for x in re.findall(r'<break time="(\d+)s"/>', answer.ssml)]
        assert all(b <= 10 for b in breaks)
        answer = device.say_intent("AMAZON.NextIntent")
    assert len(said) >= 5
    for ident, speech in said.items():
        stretch = default_rules().stretches[ident]
        assert stretch.stop_if in speech and all(sentence in speech for sentence in stretch.setup)
        assert all(move.say in speech for move in stretch.moves if move.hold), "every held move in full once"
        longest = max(m.hold for m in stretch.moves)
        if longest >= 10:
            assert f"Hold for {longest} seconds." in speech
        assert speech.count(stretch.finish) == 1


def test_pause_then_resume_in_a_new_session(device):
    start_routine(device)
    next_stretch(device)
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
    next_stretch(device)
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
    next_stretch(device)
    device.end_session(reason="EXCEEDED_MAX_REPROMPTS")
    assert step_number(device.say_intent("AMAZON.ResumeIntent"))[0] == 2


def test_resuming_in_the_middle_of_a_stretch_says_where_the_user_is(device):
    start_routine(device)
    middle = device.say_intent("AMAZON.NextIntent")
    assert place(middle) == (0, 1)
    device.end_session(reason="EXCEEDED_MAX_REPROMPTS")
    resumed = device.say_intent("AMAZON.ResumeIntent")
    assert resumed.speech.startswith("You're on stretch 1 of") and place(resumed) == (0, 1)
    assert resumed.speech.endswith(middle.speech)


def test_start_stretch_without_a_case_asks_first(device):
    a = device.say_intent("StartStretchIntent")
    assert "When did your back spasm start" in a.speech and "Dialog.ElicitSlot" not in str(a.directives)
    device.say_intent("ReportOnsetIntent", daysAgo="4")
    device.say_intent("ReportPainIntent", painLevel="3")
    b = device.say_intent("AMAZON.NoIntent")
    assert "Stretch 1 of" in b.speech


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.ResumeIntent", "AMAZON.PreviousIntent"])
def test_next_while_the_day_or_the_pain_is_asked_asks_it_again(device, intent):
    """"Start my stretches", then "next" at "when did it start?": that question again, not "no routine"."""
    device.say_intent("StartStretchIntent")
    a = device.say_intent(intent)
    assert "When did your back spasm start" in a.speech and "routine in progress" not in a.speech
    device.say_intent("ReportOnsetIntent", daysAgo="4")
    b = device.say_intent(intent)
    assert "how bad is the pain" in b.speech.lower()
    device.say_intent("ReportPainIntent", painLevel="3")
    assert "Stretch 1 of" in device.say_intent("AMAZON.NoIntent").speech


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
        done = next_stretch(device)
        device.end_session()
    assert "That's 2 routines completed" in done.speech


def test_next_without_a_routine_offers_one(device):
    a = device.say_intent("AMAZON.NextIntent")
    assert "don't have a routine in progress" in a.speech and a.speech.endswith("?")


def test_yes_during_a_routine_means_next(device):
    start_routine(device)
    assert place(device.say_intent("AMAZON.YesIntent")) == (0, 1)


def test_a_single_stretch_ends_with_singular_praise(device):
    tell_case(device, "5", "2")
    device.say_intent("StartStretchIntent", stretch=("cat cow", "cat_cow", "STRETCH"))
    done = next_stretch(device)
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
