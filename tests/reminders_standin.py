"""A loopback stand-in of Alexa's Reminders API (with the Settings API's time zone), for tests.

It answers through a real TLS server (`standins.HTTPSStandIn`): reminders are kept for the one
access token it accepts, and every request is checked against the documented shape
(../shared/alexa-platform.md, section 12): the method and path, ``Authorization: Bearer``, and
for a create a JSON body with ``requestTime``, a SCHEDULED_ABSOLUTE trigger whose
``scheduledTime`` is local (no offset) with a known ``timeZoneId``, recurrence rules
``FREQ=DAILY|WEEKLY;[BYDAY=..;]BYHOUR=h;BYMINUTE=m;BYSECOND=0;INTERVAL=1;``, the spoken text in
one of the skill's locales and a push notification status. A request of another shape is
answered 400 and listed in ``problems`` (tests assert that it stays empty).

What a test can make it do: ``granted = False`` (401, as for a user without the permission),
``fail = 401 | 403 | 429 | 500 | 503 | "garbage"`` for the methods in ``fail_on`` (all when
None), and the server's own modes (``server.mode = "hang"``, ``"trickle"``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import available_timezones

import pytest

from standins import HTTPSStandIn, Seen

TOKEN = "simulated-access-token"
BASE = "/v1/alerts/reminders"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?$")
_RULE = re.compile(r"^FREQ=(DAILY|WEEKLY);(BYDAY=(MO|TU|WE|TH|FR|SA|SU);)?BYHOUR=(\d{1,2});BYMINUTE=(\d{1,2});"
                   r"BYSECOND=0;INTERVAL=1;$")


def shape_problems(body: dict) -> list[str]:
    """What is wrong with a create body, by the documented shape (empty when fine)."""
    found = []
    if not _LOCAL.match(str(body.get("requestTime", ""))):
        found.append("requestTime is not a local ISO time")
    trigger = body.get("trigger") or {}
    if trigger.get("type") != "SCHEDULED_ABSOLUTE":
        found.append("trigger.type is not SCHEDULED_ABSOLUTE")
    if not _LOCAL.match(str(trigger.get("scheduledTime", ""))):
        found.append("trigger.scheduledTime is not local time without an offset")
    if trigger.get("timeZoneId") not in available_timezones():
        found.append("trigger.timeZoneId is not an IANA zone")
    recurrence = trigger.get("recurrence")
    if recurrence is not None:
        if not _LOCAL.match(str(recurrence.get("startDateTime", ""))):
            found.append("recurrence.startDateTime is not local time")
        rules = recurrence.get("recurrenceRules")
        if not rules or not all(isinstance(r, str) and _RULE.match(r) for r in rules):
            found.append(f"recurrence rules are malformed: {rules!r}")
        elif any(int(_RULE.match(r)[4]) > 23 or int(_RULE.match(r)[5]) > 59 for r in rules):
            found.append("a recurrence rule's hour or minute is out of range")
    content = (((body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")) or []
    if not content or any(c.get("locale") not in LOCALES or not str(c.get("text", "")).strip() for c in content):
        found.append("alertInfo.spokenInfo.content needs a locale and a text")
    if (body.get("pushNotification") or {}).get("status") not in ("ENABLED", "DISABLED"):
        found.append("pushNotification.status is missing")
    return found


class RemindersAPI:
    """The stand-in's state and answers; `url` is the apiEndpoint to give the device."""

    def __init__(self, server: HTTPSStandIn, zone: str = "America/New_York") -> None:
        self.server, self.zone = server, zone
        server.responder = self.answer
        self.granted = True
        self.fail: int | str | None = None
        self.fail_on: set[str] | None = None
        self.alerts: dict[str, dict] = {}
        self.created: list[dict] = []
        self.problems: list[str] = []
        self._serial = 0

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def calls(self) -> list[Seen]:
        """The Reminders API requests received (the Settings API's are left out)."""
        return [seen for seen in self.server.requests if seen.path.startswith(BASE)]

    def answer(self, seen: Seen) -> tuple[int, bytes]:
        if seen.method == "GET" and seen.path.endswith("/settings/System.timeZone"):
            return 200, json.dumps(self.zone).encode()
        if not seen.path.startswith(BASE):
            self.problems.append(f"{seen.method} {seen.path}: not a Reminders API path")
            return 404, b"{}"
        if seen.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.problems.append(f"{seen.method}: Authorization is not the request's Bearer token")
            return 401, _error("UNAUTHORIZED")
        if self.fail is not None and (self.fail_on is None or seen.method in self.fail_on):
            return (200, b"<html>not json") if self.fail == "garbage" else (int(self.fail), _error("FAILED"))
        if not self.granted:
            return 401, _error("UNAUTHORIZED")
        token = seen.path[len(BASE):].lstrip("/")
        if seen.method == "POST" and not token:
            return self._create(seen)
        if seen.method == "GET" and not token:
            alerts = list(self.alerts.values())
            return 200, json.dumps({"totalCount": str(len(alerts)), "alerts": alerts, "links": {}}).encode()
        if seen.method == "DELETE" and token:
            return (200, b"") if self.alerts.pop(token, None) is not None else (404, _error("NOT_FOUND"))
        self.problems.append(f"{seen.method} {seen.path}: not an operation of the API")
        return 405, _error("METHOD_NOT_ALLOWED")

    def _create(self, seen: Seen) -> tuple[int, bytes]:
        if not seen.headers.get("Content-Type", "").startswith("application/json"):
            self.problems.append("POST without Content-Type: application/json")
            return 400, _error("INVALID_CONTENT_TYPE")
        try:
            body = json.loads(seen.body)
        except ValueError:
            self.problems.append("POST body is not JSON")
            return 400, _error("INVALID_BODY")
        found = shape_problems(body if isinstance(body, dict) else {})
        if found:
            self.problems.extend(found)
            return 400, _error("INVALID_REMINDER")
        self.created.append(body)
        self._serial += 1
        token = f"amzn1.alert.STANDIN{self._serial:04d}"
        stamp = datetime(2026, 1, 1).isoformat(timespec="milliseconds")
        self.alerts[token] = {"alertToken": token, "createdTime": stamp, "updatedTime": stamp, "status": "ON",
                              "version": "1", "trigger": body["trigger"], "alertInfo": body["alertInfo"],
                              "pushNotification": body["pushNotification"]}
        return 200, json.dumps({"alertToken": token, "createdTime": stamp, "updatedTime": stamp, "status": "ON",
                                "version": "1", "href": f"{BASE}/{token}"}).encode()


def _error(code: str) -> bytes:
    return json.dumps({"code": code, "message": code.replace("_", " ").lower()}).encode()


@pytest.fixture
def reminders_api(test_ca):
    """A fresh Reminders API stand-in (on its own TLS server)."""
    with HTTPSStandIn(test_ca) as server:
        yield RemindersAPI(server)
