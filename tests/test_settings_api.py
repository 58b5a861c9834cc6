"""The Settings API client (skill.backends.timezones) through a real TLS stand-in of Alexa's API."""

from __future__ import annotations

import json
import logging
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from skill.backends import timezones
from skill.backends.outbound import Client
from skill.backends.timezones import ZoneCache
from standins import refusing, silent_dns, stand_in, test_ca  # noqa: F401 - pytest fixtures

DEVICE, TOKEN = "amzn1.ask.device.AEXAMPLEDEVICE", "token-SECRET-1"
MARGIN = 0.7


@pytest.fixture
def http(test_ca):
    client = Client(ca_file=str(test_ca.ca_file), connect_timeout=0.5, read_timeout=0.5, call_deadline=1.0)
    yield client
    client.close()


@pytest.fixture
def cache():
    return ZoneCache()


def look_up(http, cache, endpoint, budget=2.0, device=DEVICE, token=TOKEN):
    return timezones.look_up(endpoint, device, token, budget=budget, client=http, cache=cache)


def eventually(condition, seconds=5.0):
    """True as soon as `condition()` is; False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_zone_comes_back_from_the_right_url_with_the_token(http, cache, stand_in):
    stand_in.body = json.dumps("America/Los_Angeles").encode()
    assert look_up(http, cache, stand_in.url + "/") == "America/Los_Angeles"
    seen = stand_in.requests[0]
    assert seen.path == f"/v2/devices/{DEVICE}/settings/System.timeZone"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert look_up(http, cache, stand_in.url) == "America/Los_Angeles"
    assert len(stand_in.requests) == 1, "the answer is cached per device"


def test_device_ids_are_quoted_into_one_path_segment(http, cache, stand_in):
    look_up(http, cache, stand_in.url, device="a/../b?c")
    assert stand_in.requests[0].path == "/v2/devices/a%2F..%2Fb%3Fc/settings/System.timeZone"


@pytest.mark.parametrize("status,body", [
    (200, b"not json"), (200, b'"Mars/Olympus_Mons"'), (200, b'{"timeZone": "Europe/London"}'),
    (200, b'"../../etc/passwd"'), (200, b'"/etc/localtime"'), (200, b'"' + b"A" * 600 + b'"'),
    (200, b"<html>Europe/London</html>"), (204, b""), (401, b'{"message": "no"}'), (500, b"oops"),
])
def test_garbage_and_errors_mean_none(http, cache, stand_in, status, body):
    stand_in.status, stand_in.body = status, body
    assert look_up(http, cache, stand_in.url) is None
    assert timezones.cached(DEVICE, cache=cache) is None


@pytest.mark.parametrize("endpoint", ["file:///etc", "ftp://127.0.0.1", "javascript:alert(1)", "127.0.0.1:443",
                                      "https://", "https://127.0.0.1/?x=1", ""])
def test_only_http_endpoints_are_called(http, cache, stand_in, endpoint):
    assert look_up(http, cache, endpoint) is None
    assert timezones.settings_url(endpoint, DEVICE) is None
    assert stand_in.requests == []


def test_missing_arguments_mean_none_without_a_call(http, cache, stand_in):
    assert look_up(http, cache, None) is None
    assert look_up(http, cache, stand_in.url, device=None) is None
    assert look_up(http, cache, stand_in.url, token="") is None
    assert not timezones.refresh(stand_in.url, DEVICE, None, client=http, cache=cache)
    assert stand_in.requests == []


@pytest.mark.parametrize("case", ["refused", "hang", "trickle", "silent dns", "slow"])
def test_an_unreachable_api_means_none_within_the_budget(http, cache, stand_in, refusing, silent_dns, case):
    endpoint = {"refused": refusing.url, "silent dns": silent_dns.url()}.get(case, stand_in.url)
    stand_in.mode = case if case in ("hang", "trickle") else "answer"
    stand_in.latency = 3.0 if case == "slow" else 0.0
    started = time.monotonic()
    assert look_up(http, cache, endpoint, budget=0.15) is None
    assert time.monotonic() - started < 0.15 + MARGIN


def test_an_answer_that_misses_the_budget_helps_the_next_request(http, cache, stand_in):
    stand_in.latency = 0.3
    assert look_up(http, cache, stand_in.url, budget=0.05) is None
    assert eventually(lambda: timezones.cached(DEVICE, cache=cache) == "Europe/London")
    assert look_up(http, cache, stand_in.url, budget=0.05) == "Europe/London"
    assert len(stand_in.requests) == 1


def test_a_background_refresh_fills_the_cache_and_calls_back(http, cache, stand_in):
    stand_in.latency = 0.2
    answers, done = [], threading.Event()
    started = time.monotonic()
    assert timezones.refresh(stand_in.url, DEVICE, TOKEN, client=http, cache=cache,
                             on_done=lambda name: (answers.append(name), done.set()))
    assert time.monotonic() - started < 0.15, "fire and forget"
    assert done.wait(5) and answers == ["Europe/London"]
    assert timezones.cached(DEVICE, cache=cache) == "Europe/London"


def test_a_background_refresh_of_garbage_calls_back_with_none(http, cache, stand_in):
    stand_in.body = b'"Not/A_Zone"'
    answers, done = [], threading.Event()
    assert timezones.refresh(stand_in.url, DEVICE, TOKEN, client=http, cache=cache,
                             on_done=lambda name: (answers.append(name), done.set()))
    assert done.wait(5) and answers == [None] and timezones.cached(DEVICE, cache=cache) is None


def test_logs_never_carry_the_device_id_or_the_token(http, cache, stand_in, caplog):
    caplog.set_level(logging.DEBUG, logger="skill")
    stand_in.status = 503
    for _ in range(10):
        look_up(http, cache, stand_in.url)
    assert "failing: server error" in caplog.text
    assert DEVICE not in caplog.text and TOKEN not in caplog.text and "AEXAMPLE" not in caplog.text


def test_the_cache_expires_and_stays_bounded():
    now = [0.0]
    cache = ZoneCache(size=2, ttl=10, clock=lambda: now[0])
    cache.put("a", "Europe/London")
    cache.put("b", "Europe/Paris")
    assert cache.get("a") == "Europe/London"  # now the most recent
    cache.put("c", "Asia/Tokyo")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("Europe/London", None, "Asia/Tokyo")
    now[0] = 11
    assert cache.get("a") is None


@pytest.mark.parametrize("name,expected", [("Europe/London", "Europe/London"), (None, "UTC"),
                                           ("Mars/Olympus_Mons", "UTC"), ("../../etc/passwd", "UTC")])
def test_zone_falls_back_to_utc(name, expected):
    assert timezones.zone(name) == ZoneInfo(expected)
