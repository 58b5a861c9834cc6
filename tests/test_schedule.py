"""A reminder as asked for (skill.dialog.schedule): AMAZON.TIME, the repeat words, the day, when it first rings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from skill.dialog.schedule import Asked, Plan, first_time, read

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize("time,repeat,day,plan", [
    ("07:00", ("every evening", "daily_evening"), None, Plan(19, 0, "daily")),      # "every evening at seven"
    ("07:00", ("every morning", "daily_morning"), None, Plan(7, 0, "daily")),
    (None, ("every evening", "daily_evening"), None, Plan(19, 0, "daily")),          # no clock time: the usual hour
    ("EV", ("every day", "daily"), None, Plan(19, 0, "daily")),
    ("MO", None, "2026-11-24", Plan(8, 0, "once", date(2026, 11, 24))),             # "tomorrow morning"
    ("18:30", ("on weekdays", "weekdays"), None, Plan(18, 30, "weekdays")),
    ("19:00", None, None, Plan(19, 0, "once")),
    ("12:00", ("every night", "daily_night"), None, Plan(0, 0, "daily")),           # "twelve at night"
    ("02:00", ("every night", "daily_night"), None, Plan(2, 0, "daily")),
    ("seven", ("every evening", None), None, Plan(19, 0, "daily")),                 # typed, unresolved words
    ("7 pm", ("monday to friday", None), None, Plan(19, 0, "weekdays")),
    ("NI", None, "PRESENT_REF", Plan(21, 0, "once", TODAY)),
    ("08:00", ("every day", "daily"), "2026-11-30", Plan(8, 0, "daily", date(2026, 11, 30))),
])
def test_what_was_said_becomes_a_plan(time, repeat, day, plan):
    assert read(time, repeat, day, TODAY) == Asked(plan)


@pytest.mark.parametrize("time,repeat,day,asked", [
    (None, None, None, Asked(missing="time")),
    (None, ("every day", "daily"), None, Asked(missing="time")),
    ("banana", None, None, Asked(missing="time", problem="time")),
    ("25:00", None, None, Asked(missing="time", problem="time")),
    ("13 pm", None, None, Asked(missing="time", problem="time")),
    ("08:00", None, "2026-11-20", Asked(missing="day", problem="day_past")),
    ("08:00", None, "2026-W49", Asked(missing="day", problem="day_vague")),
    ("08:00", None, "2026-02-30", Asked(missing="day", problem="day_vague")),
    ("08:00", None, "2029-01-01", Asked(missing="day", problem="day_vague")),
])
def test_what_cannot_be_used_is_asked_for(time, repeat, day, asked):
    assert read(time, repeat, day, TODAY) == asked


def test_the_first_time_it_rings_is_after_now_in_the_users_zone():
    now = datetime(2026, 11, 23, 19, 30, tzinfo=ZoneInfo("Europe/London"))  # Monday evening
    assert first_time(Plan(19, 0, "daily"), now) == datetime(2026, 11, 24, 19, 0)
    assert first_time(Plan(20, 0, "daily"), now) == datetime(2026, 11, 23, 20, 0)
    friday = datetime(2026, 11, 27, 19, 30, tzinfo=ZoneInfo("Europe/London"))
    assert first_time(Plan(7, 0, "weekdays"), friday) == datetime(2026, 11, 30, 7, 0), "not on the weekend"
    assert first_time(Plan(8, 0, "once", date(2026, 11, 25)), now) == datetime(2026, 11, 25, 8, 0)
    assert first_time(Plan(8, 0, "once", date(2026, 11, 22)), now) == datetime(2026, 11, 24, 8, 0)


@pytest.mark.parametrize("plan", [Plan(19, 0, "daily"), Plan(7, 5, "weekdays"), Plan(8, 0, "once", TODAY)])
def test_a_plan_travels_as_a_token_and_back(plan):
    assert Plan.from_token(plan.token()) == plan


@pytest.mark.parametrize("token", ["", None, "rem1:hourly:19:00:", "rem1:daily:24:00:", "rem1:daily:19:60:",
                                   "rem1:once:08:00:2026-02-30", "correlationToken", "rem1:daily:19:00:x" * 50])
def test_a_token_that_is_not_a_plan_is_refused(token):
    assert Plan.from_token(token) is None
