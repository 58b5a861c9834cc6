"""Days count in the user's time zone: through the real app, against a TLS stand-in of the Settings API.

The zone is looked up once per user and device and kept (session and profile), so an API that
is down, hangs or answers garbage later never moves the user's day; a request never waits more
than the budget for it; a kept zone is refreshed in the background after a day.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from alexa import Echo
from standins import refusing, silent_dns, stand_in, test_ca  # noqa: F401 - pytest fixtures

# 03:00 UTC on Tuesday 24 November is still Monday 23 November in Los Angeles.
EARLY_UTC = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
LA = json.dumps("America/Los_Angeles").encode()


@pytest.fixture
def app(make_app, test_ca):
    return make_app(OUTBOUND_CA_FILE=str(test_ca.ca_file), SETTINGS_API_BUDGET=0.3)


def says_yesterday(device: Echo) -> bool:
    """ "It started yesterday" for the 22nd: true in Los Angeles (the 23rd), false in UTC (the 24th)."""
    return "yesterday" in device.say_intent("ReportOnsetIntent", onsetDate="2026-11-22").speech


def test_days_are_counted_in_the_users_time_zone_and_it_is_looked_up_once(app, stand_in):
    stand_in.body = LA
    device = Echo(app.test_client(), now=EARLY_UTC, api_endpoint=stand_in.url)
    assert says_yesterday(device)
    path, auth = stand_in.requests[0].path, stand_in.requests[0].headers.get("Authorization")
    assert path == "/v2/devices/amzn1.ask.device.SIMULATED/settings/System.timeZone"
    assert auth == "Bearer simulated-access-token"
    device.end_session()
    assert says_yesterday(device), "a new session keeps the user's zone"
    assert len(stand_in.requests) == 1, "once per user, not per request, session or worker"


def test_a_kept_zone_survives_an_outage_of_the_api(app, stand_in, refusing):
    stand_in.body = LA
    device = Echo(app.test_client(), now=EARLY_UTC, api_endpoint=stand_in.url)
    assert says_yesterday(device)
    device.end_session()
    device.api_endpoint = refusing.url  # the API is down now (an https port that refuses)
    assert says_yesterday(device), "the day is still right wherever the API ever answered"


@pytest.mark.parametrize("failure", ["hang", "refuse", "garbage", "dns"])
def test_a_failing_api_costs_at_most_the_budget_and_means_utc(app, stand_in, refusing, silent_dns, failure):
    endpoint = {"refuse": refusing.url, "dns": silent_dns.url()}.get(failure, stand_in.url)
    stand_in.mode = "hang" if failure == "hang" else "answer"
    stand_in.body = b"not a zone"
    device = Echo(app.test_client(), now=EARLY_UTC, api_endpoint=endpoint)
    started = time.monotonic()
    assert not says_yesterday(device), "UTC: it is already the 24th"
    assert time.monotonic() - started < 0.3 + 1.0  # the budget, plus a loaded machine's margin


def test_a_kept_zone_is_refreshed_in_the_background_after_a_day(make_app, app, test_ca, stand_in):
    stand_in.body = LA
    device = Echo(app.test_client(), now=EARLY_UTC, api_endpoint=stand_in.url)
    assert says_yesterday(device)
    device.end_session()
    # Two days later, on another worker (its own process cache), the same database:
    later = make_app(OUTBOUND_CA_FILE=str(test_ca.ca_file), SETTINGS_API_BUDGET=0.3)
    device = Echo(later.test_client(), user_id=device.user_id, now=EARLY_UTC, api_endpoint=stand_in.url)
    device.advance(days=2)
    stand_in.body = json.dumps("Asia/Tokyo").encode()
    device.say_intent("ReportPainIntent", painLevel="3")  # the kept zone answers; a refresh starts behind it
    deadline = time.monotonic() + 5
    while len(stand_in.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(stand_in.requests) == 2
    time.sleep(0.1)
    device.end_session()
    tokyo = device.say_intent("ReportOnsetIntent", onsetDate="2026-11-26")
    assert tokyo.attributes["tz"] == "Asia/Tokyo"


def test_no_endpoint_or_token_means_utc_without_a_call(app, stand_in):
    device = Echo(app.test_client(), now=EARLY_UTC, api_endpoint="")
    assert not says_yesterday(device)
    assert stand_in.requests == []
