"""Days count in the user's time zone: Alexa's Settings API, against a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alexa import Echo
from skill.backends.timezones import TimezoneLookup


class SettingsAPI:
    """A stand-in for Alexa's Settings API: answers System.timeZone, optionally slowly or badly."""

    def __init__(self) -> None:
        self.zone = "America/Los_Angeles"
        self.delay = 0.0
        self.status = 200
        self.body: bytes | None = None
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                api.requests.append((self.path, self.headers.get("Authorization", "")))
                time.sleep(api.delay)
                body = api.body if api.body is not None else json.dumps(api.zone).encode()
                try:
                    self.send_response(api.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    server = SettingsAPI()
    yield server
    server.close()


# 03:00 UTC on Tuesday 24 November is still Monday 23 November in Los Angeles.
EARLY_UTC = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


def test_the_lookup_calls_the_settings_api_with_the_token(api):
    lookup = TimezoneLookup(timeout=1)
    assert lookup(api.url, "amzn1.ask.device.ABC", "token-1") == "America/Los_Angeles"
    path, auth = api.requests[0]
    assert path == "/v2/devices/amzn1.ask.device.ABC/settings/System.timeZone"
    assert auth == "Bearer token-1"
    lookup(api.url, "amzn1.ask.device.ABC", "token-1")
    assert len(api.requests) == 1, "answers are cached per device"


def test_days_are_counted_in_the_users_time_zone(client, api):
    device = Echo(client, now=EARLY_UTC, api_endpoint=api.url)
    # "yesterday" for a user in Los Angeles at 19:00 local time on Monday is Sunday the 22nd.
    answer = device.say_intent("ReportOnsetIntent", onsetDate="2026-11-22")
    assert "yesterday" in answer.speech
    assert answer.attributes["tz"] == "America/Los_Angeles"
    device.say_intent("ReportPainIntent", painLevel="2")
    assert len(api.requests) == 1, "the zone is looked up once per session"


def test_a_slow_api_falls_back_to_utc_within_the_timeout(make_app, api):
    api.delay = 1.5
    client = make_app(TIMEZONE_TIMEOUT=0.3).test_client()
    device = Echo(client, now=EARLY_UTC, api_endpoint=api.url)
    started = time.monotonic()
    answer = device.say_intent("ReportOnsetIntent", onsetDate="2026-11-22")
    assert time.monotonic() - started < 1.2
    assert answer.status == 200 and "2 days ago" in answer.speech  # UTC: it is already the 24th
    assert answer.attributes["tz"] == "UTC"


@pytest.mark.parametrize("status,body", [(500, b"oops"), (401, b"{}"), (200, b'"Mars/Olympus_Mons"'),
                                         (200, b"not json"), (200, b"x" * 5000)])
def test_a_failing_api_means_utc(api, status, body):
    api.status, api.body = status, body
    assert TimezoneLookup(timeout=1)(api.url, "dev", "tok") == "UTC"


def test_no_endpoint_or_token_means_utc_without_a_call(api):
    lookup = TimezoneLookup(timeout=1)
    assert lookup(None, "dev", "tok") == "UTC" and lookup(api.url, "dev", None) == "UTC"
    assert api.requests == []
