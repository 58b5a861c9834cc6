"""Stretch reminders through the real app, against a loopback stand-in of the Reminders API.

Each test talks to the app like an Echo (`alexa.Echo`: real envelopes, the apiEndpoint of the
stand-in, the user's permission as Alexa shows it) and checks what Alexa would say and what
reached the API: the request's shape is checked by the stand-in itself (`problems`).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import datetime, timezone

import pytest

from alexa import Echo
from reminders_standin import reminders_api  # noqa: F401 - pytest fixture
from skill.backends.reminders import SCOPE
from skill.simulator import envelopes as env
from standins import refusing, test_ca  # noqa: F401 - pytest fixtures

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # Monday, 10:00 in New York
ALERT_TEXT = "Time for your Back Coach stretches."
CALL_BUDGET, REQUEST_BUDGET, MARGIN = 0.5, 1.0, 1.0
EVENING_DAILY = {"reminderRepeat": ("every evening", "daily_evening", "REMINDER_REPEAT"), "reminderTime": "07:00"}


@pytest.fixture
def app(make_app, test_ca):
    return make_app(OUTBOUND_CA_FILE=str(test_ca.ca_file), SETTINGS_API_BUDGET=0.3,
                    REMINDERS_API_BUDGET=CALL_BUDGET, REMINDERS_REQUEST_BUDGET=REQUEST_BUDGET)


def echo(app, api, *, locale="en-US", granted=True, **kwargs) -> Echo:
    device = Echo(app.test_client(), now=NOW, api_endpoint=api.url, locale=locale, **kwargs)
    device.granted = granted
    return device


def stored(app) -> list[dict]:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [json.loads(text) for (text,) in db.execute("SELECT attributes FROM user_state")]


def remind_every_evening(device):
    return device.say_intent("SetReminderIntent", **EVENING_DAILY)


# ---------------------------------------------------------------------- set, list, cancel
def test_every_evening_at_seven_sets_a_daily_reminder_in_the_users_zone(app, reminders_api):
    device = echo(app, reminders_api)
    device.launch()
    answer = remind_every_evening(device)
    assert "I'll remind you every day at 7 PM." in answer.speech and answer.open
    (body,) = reminders_api.created
    trigger = body["trigger"]
    assert trigger["timeZoneId"] == "America/New_York", "the zone from the Settings API"
    assert trigger["scheduledTime"] == "2026-11-23T19:00:00.000"
    assert trigger["recurrence"]["recurrenceRules"] == ["FREQ=DAILY;BYHOUR=19;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"]
    assert body["alertInfo"]["spokenInfo"]["content"] == [{"locale": "en-US", "text": ALERT_TEXT}]
    assert reminders_api.problems == []
    profile = stored(app)[0]
    assert profile["alerts"] == [next(iter(reminders_api.alerts))], "the alert token, and nothing else of it"
    assert "19:00" not in json.dumps(profile) and "daily" not in json.dumps(profile)


def test_a_reminder_set_then_listed_then_cancelled(app, reminders_api):
    device = echo(app, reminders_api)
    remind_every_evening(device)
    tomorrow = device.say_intent("SetReminderIntent", reminderDay="2026-11-24", reminderTime="MO")
    assert "I'll remind you tomorrow at 8 AM." in tomorrow.speech
    assert "recurrence" not in reminders_api.created[1]["trigger"]
    listed = device.say_intent("ListRemindersIntent")
    assert "You have 2 Back Coach reminders: every day at 7 PM and tomorrow at 8 AM." in listed.speech
    cancelled = device.say_intent("CancelRemindersIntent")
    assert "I've cancelled your 2 Back Coach reminders." in cancelled.speech and cancelled.open
    assert reminders_api.alerts == {} and "alerts" not in stored(app)[0]
    assert "You don't have any Back Coach reminders." in device.say_intent("ListRemindersIntent").speech
    assert "You don't have any" in device.say_intent("CancelRemindersIntent").speech
    assert reminders_api.problems == []


def test_weekdays_and_a_time_already_passed_today(app, reminders_api):
    device = echo(app, reminders_api)
    weekdays = device.say_intent("SetReminderIntent", reminderTime="07:30",
                                 reminderRepeat=("on weekdays", "weekdays", "REMINDER_REPEAT"))
    assert "every weekday at 7:30 AM" in weekdays.speech
    assert reminders_api.created[0]["trigger"]["recurrence"]["startDateTime"] == "2026-11-24T07:30:00.000"
    passed = device.say_intent("SetReminderIntent", reminderTime="09:00")
    assert "tomorrow at 9 AM" in passed.speech, "09:00 has passed in New York: the next 09:00"


def test_no_time_said_asks_for_it_and_the_answer_sets_it(app, reminders_api):
    device = echo(app, reminders_api)
    asked = device.say_intent("SetReminderIntent")
    assert asked.elicits == "reminderTime" and "When should I remind you" in asked.speech
    done = device.say_intent("SetReminderIntent", dialog_state="IN_PROGRESS", reminderTime="18:15",
                             reminderRepeat=("every day", "daily", "REMINDER_REPEAT"))
    assert "every day at 6:15 PM" in done.speech and len(reminders_api.created) == 1


@pytest.mark.parametrize("day,problem", [("2026-11-20", "already passed"), ("2026-W49", "I need one day")])
def test_a_day_that_cannot_be_used_is_asked_again(app, reminders_api, day, problem):
    answer = echo(app, reminders_api).say_intent("SetReminderIntent", reminderDay=day, reminderTime="08:00")
    assert answer.elicits == "reminderDay" and problem in answer.speech and reminders_api.created == []


def test_a_reminder_mid_routine_carries_on_with_the_routine(app, reminders_api):
    device = echo(app, reminders_api)
    device.say_intent("ReportOnsetIntent", daysAgo="9")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    device.say_intent("AMAZON.YesIntent")
    assert device.attributes.get("routine")
    answer = remind_every_evening(device)
    assert "every day at 7 PM" in answer.speech and answer.speech.endswith("repeat to hear it again.")
    assert device.next_stretch().speech.startswith("Stretch 2 of")


# ---------------------------------------------------------------------- the permission
def test_permission_missing_then_granted_sets_the_reminder_asked_for(app, reminders_api):
    device = echo(app, reminders_api, granted=False)
    device.launch()
    asked = remind_every_evening(device)
    directive = asked.directive("Connections.SendRequest")
    assert directive["name"] == "AskFor" and directive["payload"] == {
        "@type": "AskForPermissionsConsentRequest", "@version": "1", "permissionScope": SCOPE}
    assert asked.ended and "needs your permission" in asked.speech and reminders_api.calls == []
    granted = device.consent("ACCEPTED")
    assert "I'll remind you every day at 7 PM." in granted.speech and granted.open
    assert len(reminders_api.created) == 1 and reminders_api.problems == []
    assert granted.request["context"]["System"]["user"]["permissions"], "Alexa shows the permission now"


def test_a_routine_interrupted_by_the_permission_is_picked_up_after_it(app, reminders_api):
    device = echo(app, reminders_api, granted=False)
    device.say_intent("ReportOnsetIntent", daysAgo="9")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    device.say_intent("AMAZON.YesIntent")
    device.next_stretch()  # at stretch 2
    assert remind_every_evening(device).ended, "Alexa takes over to ask"
    granted = device.consent("ACCEPTED")
    assert "every day at 7 PM." in granted.speech
    assert re.search(r"Want to pick up at stretch 2, [a-z' -]+\?$", granted.speech), granted.speech
    assert device.say_intent("AMAZON.YesIntent").speech.startswith("Stretch 2 of"), "saved today: no check-in"


def test_permission_denied_sets_nothing_and_says_how_to_allow_it(app, reminders_api):
    device = echo(app, reminders_api, granted=False)
    remind_every_evening(device)
    denied = device.consent("DENIED")
    assert "Okay, no reminder." in denied.speech and "in the Alexa app" in denied.speech and denied.open
    assert reminders_api.calls == [] and denied.card is None


@pytest.mark.parametrize("status,code", [("NOT_ANSWERED", "200"), (None, "500"), ("ACCEPTED", "400")])
def test_no_answer_or_a_device_that_cannot_ask_gets_the_permissions_card(app, reminders_api, status, code):
    device = echo(app, reminders_api, granted=False)
    remind_every_evening(device)
    answer = device.consent(status, code=code)
    assert answer.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}
    assert "I've sent a card to your Alexa app." in answer.speech and answer.open
    assert reminders_api.created == []


@pytest.mark.parametrize("status", [401, 403])
def test_a_permission_taken_back_is_asked_for_again(app, reminders_api, status):
    reminders_api.fail, reminders_api.fail_on = status, {"POST"}
    device = echo(app, reminders_api)  # the envelope still shows the permission
    asked = remind_every_evening(device)
    assert asked.directive("Connections.SendRequest")["name"] == "AskFor" and asked.ended
    reminders_api.fail = None
    assert "every day at 7 PM" in device.consent("ACCEPTED").speech


def test_listing_without_the_permission(app, reminders_api):
    reminders_api.granted = False
    device = echo(app, reminders_api, granted=False)
    assert "You don't have any Back Coach reminders." in device.say_intent("ListRemindersIntent").speech
    reminders_api.granted = True
    device.granted = True
    remind_every_evening(device)
    reminders_api.granted = False  # the user took the permission back in the Alexa app
    listed = device.say_intent("ListRemindersIntent")
    assert "isn't allowed to see your reminders now" in listed.speech and "Alexa app" in listed.speech
    cancel = device.say_intent("CancelRemindersIntent")
    assert "isn't allowed to change your reminders" in cancel.speech
    assert len(stored(app)[0]["alerts"]) == 1, "the token is kept: the reminder still exists"


def test_a_consent_token_that_is_not_ours_sets_nothing(app, reminders_api):
    device = echo(app, reminders_api, granted=True)
    answer = device.send(env.connections_response("ACCEPTED", "rem1:hourly:99:99:", locale="en-US", now=NOW))
    assert "Now you can ask me for a reminder." in answer.speech and reminders_api.calls == []
    other = device.send(env.connections_response("ACCEPTED", "", name="Buy", locale="en-US", now=NOW))
    assert other.speech == "Is there anything else I can help with?" and reminders_api.calls == []


# ---------------------------------------------------------------------- the API failing
@pytest.mark.parametrize("failure,says", [(429, "busy right now"), (500, "couldn't reach"), (503, "couldn't reach")])
def test_a_failing_api_is_one_sentence_and_the_reminder_can_be_tried_again(app, reminders_api, failure, says):
    reminders_api.fail = failure
    device = echo(app, reminders_api)
    failed = remind_every_evening(device)
    assert says in failed.speech and "no reminder is set" in failed.speech
    assert failed.speech.endswith("Shall I try again?") and failed.open
    reminders_api.fail = None
    retried = device.say_intent("AMAZON.YesIntent")
    assert "every day at 7 PM" in retried.speech and len(reminders_api.alerts) == 1


@pytest.mark.parametrize("failure", ["hang", "garbage"])
def test_an_answer_that_never_comes_or_makes_no_sense_is_not_claimed(app, reminders_api, failure):
    device = echo(app, reminders_api)
    device.say_intent("ProgressIntent")  # the zone is looked up and kept before the API hangs
    if failure == "hang":
        reminders_api.server.mode = "hang"
    else:
        reminders_api.fail = "garbage"
    started = time.monotonic()
    answer = remind_every_evening(device)
    took = time.monotonic() - started
    assert "not sure the reminder was set" in answer.speech and answer.open
    assert took < REQUEST_BUDGET + MARGIN, f"{took:.2f} s"


def test_a_refusing_api_and_then_an_open_breaker(app, reminders_api, refusing):
    device = echo(app, reminders_api)
    device.say_intent("ProgressIntent")  # the user's zone is kept in the profile
    device.api_endpoint = refusing.url  # then Alexa's API host refuses connections
    for attempt in range(4):
        started = time.monotonic()
        answer = device.say_intent("SetReminderIntent", **EVENING_DAILY)
        assert "I couldn't reach Alexa's reminders just now, so no reminder is set." in answer.speech
        assert answer.open and answer.speech.endswith("Shall I try again?")
        device.say_intent("AMAZON.NoIntent")
    assert time.monotonic() - started < 0.2, "the breaker is open: no call, no wait"
    assert "couldn't check your reminders" in device.say_intent("ListRemindersIntent").speech


def test_no_reminder_at_a_guessed_hour_when_the_time_zone_is_unknown(app, reminders_api):
    reminders_api.zone = "Not/AZone"  # the Settings API answers garbage
    answer = echo(app, reminders_api).say_intent("SetReminderIntent", **EVENING_DAILY)
    assert "can't check your time zone" in answer.speech and reminders_api.created == []


@pytest.mark.parametrize("failure", [500, "hang"])
def test_cancel_says_what_it_could_not_cancel(app, reminders_api, failure):
    device = echo(app, reminders_api)
    remind_every_evening(device)
    device.say_intent("SetReminderIntent", reminderDay="2026-11-24", reminderTime="MO")
    first = next(iter(reminders_api.alerts))
    reminders_api.server.responder = _failing_one_delete(reminders_api, first, failure)
    answer = device.say_intent("CancelRemindersIntent")
    assert "I cancelled 1 of your 2 reminders." in answer.speech and "in the Alexa app" in answer.speech
    assert stored(app)[0]["alerts"] == [first], "the one left is still known"


def _failing_one_delete(api, token, failure):
    """The stand-in, except that deleting `token` fails (500) or never answers."""
    def answer(seen):
        if seen.method == "DELETE" and seen.path.endswith(token):
            if failure == "hang":
                time.sleep(CALL_BUDGET + 0.3)
            return 500, b"{}"
        return api.answer(seen)
    return answer


# ---------------------------------------------------------------------- every locale
@pytest.mark.parametrize("locale,daily,weekdays,one_off", [
    ("en-US", "every day at 7 PM", "every weekday at 7:30 AM", "on Friday at 8 AM"),
    ("en-CA", "every day at 7 PM", "every weekday at 7:30 AM", "on Friday at 8 AM"),
    ("en-GB", "every day at 7 pm", "Monday to Friday at 7:30 am", "on Friday at 8 am"),
    ("en-AU", "every day at 7 pm", "every weekday at 7:30 am", "on Friday at 8 am"),
    ("en-IN", "every day at 7 PM", "on weekdays at 7:30 AM", "on Friday at 8 AM"),
])
def test_every_locale_sets_lists_and_cancels_in_its_own_words(app, reminders_api, locale, daily, weekdays, one_off):
    device = echo(app, reminders_api, locale=locale)
    assert daily in remind_every_evening(device).speech
    assert weekdays in device.say_intent("SetReminderIntent", reminderTime="07:30",
                                         reminderRepeat=("weekdays", "weekdays", "REMINDER_REPEAT")).speech
    assert one_off in device.say_intent("SetReminderIntent", reminderDay="2026-11-27", reminderTime="08:00").speech
    assert {c["locale"] for b in reminders_api.created for c in b["alertInfo"]["spokenInfo"]["content"]} == {locale}
    listed = device.say_intent("ListRemindersIntent").speech
    assert "3 Back Coach reminders" in listed and daily in listed and weekdays in listed
    assert "cancelled your 3" in device.say_intent("CancelRemindersIntent").speech
    assert reminders_api.problems == []


def test_every_locale_asks_for_the_permission_and_takes_its_answer(app, reminders_api):
    for locale in ("en-US", "en-GB", "en-CA", "en-AU", "en-IN"):
        device = echo(app, reminders_api, locale=locale, granted=False)
        assert remind_every_evening(device).directive("Connections.SendRequest") is not None
        assert "every day at 7" in device.consent("ACCEPTED").speech
    assert len(reminders_api.created) == 5


# ---------------------------------------------------------------------- forget me, disabling the skill
def test_forget_me_cancels_the_reminders_too(app, reminders_api):
    device = echo(app, reminders_api)
    remind_every_evening(device)
    confirm = device.say_intent("ForgetMeIntent")
    assert "cancel your reminders" in confirm.speech
    done = device.say_intent("AMAZON.YesIntent")
    assert "I've deleted your data" in done.speech and "Your reminders are cancelled." in done.speech
    assert reminders_api.alerts == {} and stored(app) == []


def test_forget_me_says_what_it_could_not_cancel(app, reminders_api):
    device = echo(app, reminders_api)
    remind_every_evening(device)
    device.say_intent("ForgetMeIntent")
    reminders_api.fail = 503
    done = device.say_intent("AMAZON.YesIntent")
    assert "couldn't cancel your reminders" in done.speech and "Alexa app" in done.speech
    assert "I've deleted your data" in done.speech and stored(app) == []


def test_disabling_the_skill_cancels_the_reminders_with_the_events_token(app, reminders_api):
    device = echo(app, reminders_api)
    remind_every_evening(device)
    event = env.envelope(env.skill_disabled_request(NOW), user_id=device.user_id, in_session=False,
                         api_endpoint=reminders_api.url)
    assert device.post(event).status == 200
    assert reminders_api.alerts == {} and stored(app) == []
    assert reminders_api.calls[-1].method == "DELETE"


def test_logs_carry_no_token_alert_or_reminder_detail(app, reminders_api, caplog):
    caplog.set_level("DEBUG")
    device = echo(app, reminders_api, granted=False)
    remind_every_evening(device)
    device.consent("ACCEPTED")
    device.say_intent("ListRemindersIntent")
    reminders_api.fail = 500
    device.say_intent("CancelRemindersIntent")
    assert "route=Connections.Response outcome=reminder set" in caplog.text
    assert "reminders list failed: unavailable (status 500)" in caplog.text
    for secret in ("simulated-access-token", "simulated-consent-token", "STANDIN", "rem1:", "19:00",
                   device.user_id, "America/New_York", ALERT_TEXT):
        assert secret not in caplog.text, f"{secret!r} reached the logs"
