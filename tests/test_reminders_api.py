"""The Reminders API client (skill.backends.reminders) against a real TLS stand-in of Alexa's API."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

import pytest

from reminders_standin import TOKEN, RemindersAPI, reminders_api, shape_problems  # noqa: F401 - fixture
from skill.backends import reminders
from skill.backends.outbound import Client
from standins import refusing, silent_dns, test_ca  # noqa: F401 - pytest fixtures

MARGIN = 0.7  # a loaded two-core machine
EVENING = datetime(2026, 11, 23, 19, 0)
NOW = datetime(2026, 11, 23, 15, 4, 5, 672000)


@pytest.fixture
def http(test_ca):
    client = Client(ca_file=str(test_ca.ca_file), connect_timeout=0.5, read_timeout=0.5, call_deadline=1.0)
    yield client
    client.close()


def api_for(http, endpoint, call_budget=1.0, request_budget=2.0, token=TOKEN) -> reminders.Reminders:
    return reminders.Reminders(http, endpoint, token, call_budget=call_budget, request_budget=request_budget)


def body(repeat="daily", start=EVENING, zone="Europe/London", locale="en-GB"):
    return reminders.request_body(start=start, zone=zone, repeat=repeat, locale=locale,
                                  text="Time for your Back Coach stretches.", requested=NOW)


def test_a_daily_reminder_has_the_documented_shape():
    made = body("daily")
    assert made == {
        "requestTime": "2026-11-23T15:04:05.672",
        "trigger": {"type": "SCHEDULED_ABSOLUTE", "scheduledTime": "2026-11-23T19:00:00.000",
                    "timeZoneId": "Europe/London",
                    "recurrence": {"startDateTime": "2026-11-23T19:00:00.000",
                                   "recurrenceRules": ["FREQ=DAILY;BYHOUR=19;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"]}},
        "alertInfo": {"spokenInfo": {"content": [{"locale": "en-GB", "text": "Time for your Back Coach stretches."}]}},
        "pushNotification": {"status": "ENABLED"},
    }
    assert shape_problems(made) == []


def test_weekday_and_one_off_reminders():
    weekdays = body("weekdays", start=datetime(2026, 11, 24, 7, 30))["trigger"]["recurrence"]["recurrenceRules"]
    assert weekdays == [f"FREQ=WEEKLY;BYDAY={d};BYHOUR=7;BYMINUTE=30;BYSECOND=0;INTERVAL=1;"
                        for d in ("MO", "TU", "WE", "TH", "FR")]
    once = body("once", start=datetime(2026, 11, 24, 8, 0))
    assert "recurrence" not in once["trigger"] and once["trigger"]["scheduledTime"] == "2026-11-24T08:00:00.000"
    assert shape_problems(once) == [] and shape_problems(body("weekdays")) == []
    aware = body("once", start=datetime(2026, 11, 24, 8, 0).astimezone())
    assert "+" not in aware["trigger"]["scheduledTime"], "an offset would be refused by the API"


def test_create_list_and_delete_send_what_the_api_expects(http, reminders_api):
    api = api_for(http, reminders_api.url + "/")
    created = api.create(body())
    assert created.ok and created.token == "amzn1.alert.STANDIN0001"
    post = reminders_api.calls[0]
    assert (post.method, post.path) == ("POST", "/v1/alerts/reminders")
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.headers["Content-Type"] == "application/json"
    assert json.loads(post.body) == body()
    listed = api.list()
    assert listed.ok and listed.alerts == (reminders.Alert(created.token, True, "daily", "19:00"),)
    assert api.delete(created.token).ok
    assert reminders_api.calls[-1].method == "DELETE"
    assert reminders_api.calls[-1].path == f"/v1/alerts/reminders/{created.token}"
    assert api.list().alerts == () and reminders_api.problems == []


def test_the_same_reminder_is_created_once_per_request(http, reminders_api):
    api = api_for(http, reminders_api.url)
    first, again = api.create(body()), api.create(body())
    assert first == again and len(reminders_api.created) == 1


def test_a_reminder_already_gone_counts_as_deleted_and_tokens_are_one_path_segment(http, reminders_api):
    api = api_for(http, reminders_api.url)
    assert api.delete("amzn1.alert.GONE").ok
    api.delete("../../v2/x")
    assert reminders_api.calls[-1].path == "/v1/alerts/reminders/..%2F..%2Fv2%2Fx"
    assert not api.delete("bad token with spaces").ok
    assert len(reminders_api.calls) == 2 and reminders_api.problems == []


def test_listed_schedules_are_read_from_the_trigger():
    listed = reminders.parse_alerts(json.dumps({"alerts": [
        {"alertToken": "a", "status": "ON", "trigger": body("weekdays", start=datetime(2026, 11, 24, 7, 5))["trigger"]},
        {"alertToken": "b", "status": "COMPLETED", "trigger": body("once", start=datetime(2026, 11, 24, 8, 0))["trigger"]},
        {"alertToken": "c", "status": "ON", "trigger": {"type": "SCHEDULED_RELATIVE", "offsetInSeconds": 60}},
        {"status": "ON"}, "junk"]}).encode())
    assert listed == (reminders.Alert("a", True, "weekdays", "07:05"),
                      reminders.Alert("b", False, "once", "08:00", "2026-11-24"),
                      reminders.Alert("c", True))


@pytest.mark.parametrize("status,problem", [(401, reminders.PERMISSION), (403, reminders.PERMISSION),
                                            (429, reminders.THROTTLED), (500, reminders.UNAVAILABLE),
                                            (503, reminders.UNAVAILABLE), (400, reminders.REJECTED),
                                            ("garbage", reminders.GARBAGE)])
def test_each_failure_has_its_problem(http, reminders_api, status, problem):
    reminders_api.fail = status
    api = api_for(http, reminders_api.url)
    assert api.create(body()).problem == problem
    assert api.list().problem == problem
    if status != "garbage":  # a 2xx delete worked, whatever its body
        assert api.delete("amzn1.alert.X").problem == problem


@pytest.mark.parametrize("case", ["hang", "trickle", "refused", "silent dns"])
def test_an_unreachable_api_costs_at_most_the_call_budget(http, reminders_api, refusing, silent_dns, case):
    endpoint = {"refused": refusing.url, "silent dns": silent_dns.url()}.get(case, reminders_api.url)
    reminders_api.server.mode = case if case in ("hang", "trickle") else "answer"
    reminders_api.server.trickle_every = 0.3
    api = api_for(http, endpoint, call_budget=0.4)
    started = time.monotonic()
    result = api.create(body())
    assert time.monotonic() - started < 0.4 + MARGIN
    assert result.problem == (reminders.UNAVAILABLE if case == "refused" else reminders.TIMEOUT)


def test_one_deadline_bounds_all_calls_of_a_request(http, reminders_api):
    reminders_api.server.mode = "hang"
    api = api_for(http, reminders_api.url, call_budget=0.4, request_budget=0.9)
    started = time.monotonic()
    results = [api.delete(f"amzn1.alert.{n}") for n in range(6)]
    elapsed = time.monotonic() - started
    assert elapsed < 0.9 + MARGIN, f"six deletes of a hung API took {elapsed:.2f} s"
    assert all(r.problem == reminders.TIMEOUT for r in results)
    assert len(reminders_api.calls) <= 3, "calls past the deadline are not started"


def test_an_open_breaker_answers_at_once(http, reminders_api):
    reminders_api.fail = 503
    api = api_for(http, reminders_api.url, request_budget=10)
    for _ in range(3):
        api.list()
    sent = len(reminders_api.calls)
    started = time.monotonic()
    assert api.list().problem == reminders.UNAVAILABLE
    assert time.monotonic() - started < 0.1 and len(reminders_api.calls) == sent


@pytest.mark.parametrize("endpoint", ["", None, "ftp://127.0.0.1", "https://", "https://h/?x=1", "javascript:x"])
def test_no_call_without_an_http_endpoint_or_a_token(http, reminders_api, endpoint):
    assert not api_for(http, endpoint).usable
    assert api_for(http, endpoint).list().problem == reminders.REJECTED
    assert not api_for(http, reminders_api.url, token="").usable
    assert reminders_api.calls == []


def test_logs_never_carry_tokens_or_alert_tokens(http, reminders_api, caplog):
    caplog.set_level(logging.DEBUG, logger="skill")  # urllib3 logs paths: the app keeps it at WARNING
    api = api_for(http, reminders_api.url, request_budget=10)
    alert = api.create(body()).token
    reminders_api.fail = 500
    api.delete(alert)
    api.list()
    assert "reminders list failed: unavailable" in caplog.text
    assert TOKEN not in caplog.text and alert not in caplog.text and "STANDIN" not in caplog.text
