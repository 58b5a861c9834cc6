"""Progress spoken back and the daily check-in, through the real app over several days; and what a
consumer deployment keeps and sends (no health fact, anywhere)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from alexa import Echo
from reminders_standin import reminders_api  # noqa: F401 - pytest fixture
from rules import default_rules
from skill.dialog.progress import summary
from skill.dialog.state import ACTIVE_DAYS, Profile
from standins import test_ca  # noqa: F401 - pytest fixtures

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # Monday


@pytest.fixture
def device(client):
    return Echo(client, now=NOW)


def start_routine(device, days="9", pain="2"):
    device.say_intent("ReportOnsetIntent", daysAgo=days)
    device.say_intent("ReportPainIntent", painLevel=pain)
    device.say_intent("AMAZON.NoIntent")
    return device.say_intent("AMAZON.YesIntent")


def step_of(answer) -> tuple[int, int]:
    match = re.search(r"Stretch (\d+) of (\d+)", answer.speech)
    assert match, answer.speech
    return int(match[1]), int(match[2])


def whole_routine(device, days="9"):
    answer = start_routine(device, days)
    while "routine done" not in answer.speech:
        answer = device.say_intent("AMAZON.NextIntent")
    device.end_session()


def next_day(device, days=1):
    device.end_session()
    device.advance(days=days)


# ---------------------------------------------------------------------- progress
def test_a_returning_user_hears_the_week_the_streak_and_where_they_stopped(device):
    device.launch()
    whole_routine(device)                      # Monday: a whole routine
    next_day(device)
    start_routine(device, "10")                # Tuesday: two stretches, then stop
    device.next_stretch()
    device.next_stretch()
    device.say_intent("AMAZON.StopIntent")
    next_day(device)                           # Wednesday
    launch = device.launch()
    assert launch.speech.startswith("Welcome back to Back Coach. You've done one routine in the past week. "
                                    "That's 2 days in a row. You stopped at stretch 3 of")
    assert launch.speech.endswith("Would you like to carry on?")
    progress = device.say_intent("ProgressIntent")
    assert "You've done one routine in the past week. That's 2 days in a row." in progress.speech
    assert re.search(r"Want to pick up at stretch 3, [a-z' -]+\?$", progress.speech), progress.speech
    check_in = device.say_intent("AMAZON.YesIntent")
    assert "anything new since last time" in check_in.speech.lower(), "a new day: the check-in first"
    assert step_of(device.say_intent("AMAZON.NoIntent"))[0] == 3


def test_no_to_picking_up_keeps_the_place(device):
    start_routine(device)
    device.next_stretch()
    device.say_intent("ProgressIntent")
    okay = device.say_intent("AMAZON.NoIntent")
    assert okay.speech.startswith("Okay.") and okay.open
    device.end_session()
    assert "You stopped at stretch 2" in device.launch().speech


def test_a_streak_ends_on_a_day_without_stretches(device):
    whole_routine(device)
    next_day(device, 2)
    speech = device.say_intent("ProgressIntent").speech
    assert "You've done one routine in the past week." in speech and "in a row" not in speech
    next_day(device, 7)
    speech = device.say_intent("ProgressIntent").speech
    assert "You haven't stretched with me in the past week." in speech
    assert speech.startswith("You haven't stretched with me in the past week. You've done one routine in all.")


def test_stretches_without_a_whole_routine_count_too(device):
    start_routine(device)
    device.next_stretch()
    device.next_stretch()
    assert "You've done 2 stretches in the past week." in device.say_intent("ProgressIntent").speech


def test_a_new_user_is_offered_todays_stretches(device):
    device.launch()
    answer = device.say_intent("ProgressIntent")
    assert answer.speech == "You haven't done a routine with me yet. Would you like to do today's stretches?"
    assert "When did your back spasm start" in device.say_intent("AMAZON.YesIntent").speech
    assert "Welcome back to Back Coach. What would you like to do?" in (device.end_session() and device.launch()).speech


def test_the_week_on_a_screen_and_on_a_card(client):
    screen = Echo(client, now=NOW, apl=True)
    whole_routine(screen)
    next_day(screen, 2)
    answer = screen.say_intent("ProgressIntent")
    directive = answer.directive("Alexa.Presentation.APL.RenderDocument")
    assert directive["token"] == "backcoach-progress" and directive["document"]["type"] == "APL"
    progress = directive["datasources"]["payload"]["progress"]
    assert [d["label"] for d in progress["days"]] == ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    assert [d["done"] for d in progress["days"]] == [False, False, False, False, True, False, False]
    assert progress["routines"] == "Routines this week: 1" and progress["streak"] == "Days in a row: 0"
    launch = screen.launch()
    assert launch.directive("Alexa.Presentation.APL.RenderDocument")["token"] == "backcoach-progress"
    screen.end_session()
    voice_only = Echo(client, now=NOW + timedelta(days=2), user_id=screen.user_id)
    assert voice_only.launch().directives == [] and voice_only.end_session()
    plain = voice_only.say_intent("ProgressIntent")
    assert plain.directive("Alexa.Presentation.APL.RenderDocument") is None
    assert plain.card["title"] == "Your week" and "Mon ✓" in plain.card["content"]


def test_the_days_kept_are_bounded_and_counted_in_the_users_day():
    profile = Profile({})
    start = date(2026, 1, 1)
    for n in range(100):
        profile.count("stretches", 3, on=start + timedelta(days=n))
    profile.count("routines", on=start + timedelta(days=99))
    days = profile.days()
    assert len(days) == ACTIVE_DAYS and min(days) == (start + timedelta(days=40)).isoformat()
    s = summary(profile, start + timedelta(days=99))
    assert (s.streak, s.stretches, s.routines, s.total) == (ACTIVE_DAYS, 21, 1, 1)
    assert summary(Profile({"days": "junk", "stats": {"routines": "x"}}), start).any is False


# ---------------------------------------------------------------------- the daily check-in
def test_a_new_day_checks_in_first_and_the_day_told_again_moves_the_routine_on(device):
    start_routine(device, "6")                  # day 6: the gentle routine of six stretches
    device.next_stretch()
    device.next_stretch()
    device.say_intent("AMAZON.PauseIntent")     # two stretches done
    device.advance(days=3)                      # day 9 now: more stretches are open
    check_in = device.say_intent("AMAZON.ResumeIntent")
    assert check_in.speech.startswith("Before we carry on: anything new since last time")
    told = device.say_intent("ReportOnsetIntent", daysAgo="9")
    assert told.speech.startswith("Got it: it started 9 days ago. Before we carry on: anything new")
    assert device.attributes.get("ask") == "checkin", "the day is not an answer to the red-flag question"
    moved = device.say_intent("AMAZON.NoIntent")
    assert moved.speech.startswith("You're further along now, so I've added bridge, knee rolls and double knee"
                                   " to chest. Stretch 3 of 7: knee to chest")


def test_without_the_day_the_saved_routine_carries_on_as_it_was(device):
    start_routine(device, "6")
    device.next_stretch()
    device.say_intent("AMAZON.PauseIntent")
    device.advance(days=3)
    device.say_intent("AMAZON.ResumeIntent")
    assert step_of(device.say_intent("AMAZON.NoIntent")) == (2, 6)


def test_yes_at_the_check_in_asks_which_and_a_red_flag_ends_the_routine(device):
    start_routine(device, "6")
    device.say_intent("AMAZON.PauseIntent")
    device.advance(days=1)
    device.say_intent("AMAZON.ResumeIntent")
    assert "Which one do you have?" in device.say_intent("AMAZON.YesIntent").speech
    urgent = device.say_intent("ReportSymptomIntent", symptom=("my legs are numb", "numbness_in_both_legs", "SYMPTOM"))
    assert "Call 911 now" in urgent.speech and urgent.ended
    assert "You stopped at stretch" not in device.launch().speech


def test_a_symptom_said_at_the_check_in_is_answered_first(device):
    start_routine(device, "6")
    device.say_intent("AMAZON.PauseIntent")
    device.advance(days=1)
    device.say_intent("AMAZON.ResumeIntent")
    urgent = device.say_intent("ReportSymptomIntent", symptom=("i can't control my bladder", "bladder_control_loss",
                                                               "SYMPTOM"))
    assert "Call 911 now" in urgent.speech and urgent.ended


# ---------------------------------------------------------------------- consumer mode: no health fact kept or sent
HEALTH_WORDS = ("pain", "spasm", "sciatica", "numb", "tingl", "injur", "hurt", "symptom", "doctor", "ache",
                "bladder", "bowel", "fever", "onset")


def test_no_health_fact_is_stored_or_sent_in_consumer_mode(make_app, test_ca, reminders_api):
    app = make_app(OUTBOUND_CA_FILE=str(test_ca.ca_file))
    device = Echo(app.test_client(), now=NOW, api_endpoint=reminders_api.url)
    device.granted = True
    device.launch()
    device.say_intent("ReportOnsetIntent", onsetDate="2026-11-14")
    device.say_intent("ReportPainIntent", painLevel="4")
    device.say_intent("ReportSymptomIntent", symptom=("pins and needles in my left leg", "leg_tingling", "SYMPTOM"))
    device.say_intent("ReportSymptomIntent", age="47")
    device.say_intent("AMAZON.NoIntent")
    device.say_intent("AMAZON.YesIntent")
    device.next_stretch()
    device.say_intent("SetReminderIntent", reminderTime="EV", reminderRepeat=("every day", "daily", "REMINDER_REPEAT"))
    device.say_intent("ProgressIntent")
    device.say_intent("ListRemindersIntent")
    device.say_intent("AMAZON.StopIntent")

    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (profile,) = [json.loads(text) for (text,) in db.execute("SELECT attributes FROM user_state")]
    assert set(profile) <= {"disclaimer", "progress", "progress_on", "stats", "days", "alerts", "zone"}, profile
    kept = json.dumps(profile).lower()
    labels = [s.label.lower() for s in default_rules().symptoms.values()]
    for secret in ("2026-11-14", "leg_tingling", "47", *HEALTH_WORDS, *labels):
        assert secret not in kept, f"{secret!r} is stored"
    sent = " ".join(seen.body.decode() + seen.path for seen in reminders_api.server.requests).lower()
    assert reminders_api.created and "back coach stretches" in sent
    for secret in ("2026-11-14", "leg_tingling", "leg", "47", *HEALTH_WORDS, *labels):
        assert secret not in sent, f"{secret!r} was sent to the Reminders API"
