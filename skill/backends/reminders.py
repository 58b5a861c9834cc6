"""Alexa's Reminders API (``/v1/alerts/reminders``) on the shared outbound client.

Create, list and delete this skill's reminders for one user, at the request's ``apiEndpoint``
with its ``apiAccessToken`` (``Authorization: Bearer``); ../shared/alexa-platform.md, section 12.
A reminder is created only in session, with a request the user just made (or the
Connections.Response of their consent); list and delete work out of session too.

Every call is time-boxed twice: ``call_budget`` seconds at most for one call, and a deadline
over all calls of one request (:class:`Reminders`), so a hung API costs a request at most
``request_budget`` seconds whatever it asks (a cancel of several reminders included).
Calls never raise: a :class:`Result` says what happened, by what the dialog has to say:

| problem | when | the reminder |
|---|---|---|
| ``permission`` | 401, 403: the user has not granted (or took back) the reminders permission | not set |
| ``throttled`` | 429 | not set |
| ``unavailable`` | 5xx, refused, DNS, TLS, the breaker open, the pool full | not set |
| ``timeout`` | no answer within the budget | unknown: it may be set |
| ``rejected`` | any other 4xx (a request this client got wrong) | not set |
| ``garbage`` | a 2xx whose body is not the API's answer | create: unknown |

Logs carry the problem and the status only: never paths (alert tokens), bodies or tokens.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from . import outbound

log = logging.getLogger(__name__)

SCOPE = "alexa::alerts:reminders:skill:readwrite"
PATH = "/v1/alerts/reminders"
CALL_BUDGET = 1.5
REQUEST_BUDGET = 2.5
MAX_BYTES = 256 * 1024
#: Below this many seconds left before the deadline a call is not started.
MIN_CALL = 0.05

PERMISSION, THROTTLED, UNAVAILABLE = "permission", "throttled", "unavailable"
TIMEOUT, REJECTED, GARBAGE = "timeout", "rejected", "garbage"
_UNAVAILABLE = frozenset({outbound.REFUSED, outbound.DNS, outbound.TLS_ERROR, outbound.CONNECTION_ERROR,
                          outbound.SERVER_ERROR, outbound.CIRCUIT_OPEN, outbound.BUSY, outbound.TOO_LARGE})
_TOKEN = re.compile(r"[A-Za-z0-9._:=+/-]{1,400}")
_RULE_PART = re.compile(r"([A-Z]+)=([A-Z0-9,]+)")
_LOCAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2})")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


@dataclass(frozen=True)
class Alert:
    """One reminder as the API lists it: its token, whether it is still on, and its schedule.

    repeat: "daily", "weekdays", "weekly" or "once" (None when the trigger could not be read);
    time: local "HH:MM"; day: the local date of a one-off ("YYYY-MM-DD").
    """

    token: str
    on: bool
    repeat: str | None = None
    time: str | None = None
    day: str | None = None


@dataclass(frozen=True)
class Result:
    """What one call came to: ``problem`` empty when it worked (see the module docstring)."""

    problem: str = ""
    status: int | None = None
    token: str | None = None
    alerts: tuple[Alert, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problem


def rules_for(repeat: str, hour: int, minute: int) -> list[str]:
    """RRULE strings for a daily or weekday reminder at hour:minute (one rule per weekday, as
    Amazon's examples give one rule per time)."""
    at = f"BYHOUR={hour};BYMINUTE={minute};BYSECOND=0;INTERVAL=1;"
    if repeat == "daily":
        return [f"FREQ=DAILY;{at}"]
    if repeat == "weekdays":
        return [f"FREQ=WEEKLY;BYDAY={day};{at}" for day in WEEKDAYS]
    raise ValueError(f"no recurrence for {repeat!r}")


def local_time(moment: datetime) -> str:
    """A local time as the API wants it: ISO 8601 without an offset ("2026-11-23T19:00:00.000")."""
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds")


def request_body(*, start: datetime, zone: str, repeat: str, locale: str, text: str,
                 requested: datetime) -> dict:
    """The body that creates a reminder: at ``start`` (local, in ``zone``), "once", "daily" or
    "weekdays" from then on; ``text`` is what Alexa says when it rings."""
    trigger: dict = {"type": "SCHEDULED_ABSOLUTE", "scheduledTime": local_time(start), "timeZoneId": zone}
    if repeat != "once":
        trigger["recurrence"] = {"startDateTime": local_time(start),
                                 "recurrenceRules": rules_for(repeat, start.hour, start.minute)}
    return {"requestTime": local_time(requested), "trigger": trigger,
            "alertInfo": {"spokenInfo": {"content": [{"locale": locale, "text": text}]}},
            "pushNotification": {"status": "ENABLED"}}


def base_url(api_endpoint: str | None) -> str | None:
    """The reminders URL under ``api_endpoint``; None unless http(s) with a host and nothing more."""
    try:
        parts = urlsplit(api_endpoint or "")
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        return None
    return f"{(api_endpoint or '').rstrip('/')}{PATH}"


def problem_of(outcome: outbound.Outcome) -> str:
    """The problem an unsuccessful outcome means (see the module docstring)."""
    if outcome.status in (401, 403):
        return PERMISSION
    if outcome.status == 429:
        return THROTTLED
    if outcome.reason in (outbound.TIMEOUT, outbound.OVER_BUDGET):
        return TIMEOUT
    if outcome.reason in _UNAVAILABLE:
        return UNAVAILABLE
    return REJECTED


def parse_created(body: bytes) -> str | None:
    """The alert token of a create answer, or None."""
    data = _json(body)
    token = data.get("alertToken") if isinstance(data, dict) else None
    return token if isinstance(token, str) and _TOKEN.fullmatch(token) else None


def parse_alerts(body: bytes) -> tuple[Alert, ...] | None:
    """The reminders of a list answer (entries without a usable token are left out); None when
    the body is not a list answer at all."""
    data = _json(body)
    alerts = data.get("alerts") if isinstance(data, dict) else None
    if not isinstance(alerts, list):
        return None
    found = []
    for entry in alerts:
        token = entry.get("alertToken") if isinstance(entry, dict) else None
        if isinstance(token, str) and _TOKEN.fullmatch(token):
            found.append(_alert(token, entry))
    return tuple(found)


def _alert(token: str, entry: dict) -> Alert:
    on = entry.get("status") != "COMPLETED"
    trigger = entry.get("trigger") if isinstance(entry.get("trigger"), dict) else {}
    recurrence = trigger.get("recurrence") if isinstance(trigger.get("recurrence"), dict) else {}
    rules = [r for r in recurrence.get("recurrenceRules") or () if isinstance(r, str)]
    if rules:
        parts = [dict(_RULE_PART.findall(rule)) for rule in rules]
        days = {p.get("BYDAY") for p in parts}
        hour, minute = parts[0].get("BYHOUR"), parts[0].get("BYMINUTE", "0")
        repeat = ("daily" if parts[0].get("FREQ") == "DAILY"
                  else "weekdays" if days == set(WEEKDAYS) or days == {",".join(WEEKDAYS)} else "weekly")
        at = f"{int(hour):02d}:{int(minute):02d}" if (hour or "").isdigit() and minute.isdigit() else None
        return Alert(token, on, repeat, at)
    when = _LOCAL.match(str(trigger.get("scheduledTime") or ""))
    if when is None:
        return Alert(token, on)
    year, month, day, hour, minute = when.groups()
    return Alert(token, on, "once", f"{int(hour):02d}:{minute}", f"{year}-{month}-{day}")


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


class Reminders:
    """The Reminders API for one request: its endpoint and token, and one deadline over all calls.

    A create with the same body is sent once per request, even when the request is re-run
    after a concurrent update (the object lives in the request's context).
    """

    def __init__(self, client: outbound.Client, api_endpoint: str | None, token: str | None, *,
                 call_budget: float = CALL_BUDGET, request_budget: float = REQUEST_BUDGET,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client, self.url, self.token = client, base_url(api_endpoint), token
        self.call_budget, self._clock = call_budget, clock
        self.deadline = clock() + request_budget
        self._created: dict[str, Result] = {}

    @property
    def usable(self) -> bool:
        """An endpoint and a token to call with."""
        return bool(self.url and self.token)

    def create(self, body: dict) -> Result:
        """POST a reminder; the result carries its alert token."""
        key = json.dumps(body, sort_keys=True)
        if key not in self._created:
            outcome = self._call("POST", self.url or "", json.dumps(body).encode())
            token = parse_created(outcome.body) if outcome.ok else None
            result = (Result(status=outcome.status, token=token) if token
                      else Result(GARBAGE if outcome.ok else problem_of(outcome), outcome.status))
            self._created[key] = self._logged("create", result)
        return self._created[key]

    def list(self) -> Result:
        """GET this skill's reminders of this user."""
        outcome = self._call("GET", self.url or "")
        alerts = parse_alerts(outcome.body) if outcome.ok else None
        result = (Result(status=outcome.status, alerts=alerts) if alerts is not None
                  else Result(GARBAGE if outcome.ok else problem_of(outcome), outcome.status))
        return self._logged("list", result)

    def delete(self, alert_token: str) -> Result:
        """DELETE one reminder; one that is already gone (404) counts as deleted."""
        if not _TOKEN.fullmatch(alert_token):
            return Result(REJECTED)
        outcome = self._call("DELETE", f"{self.url}/{quote(alert_token, safe='')}")
        if outcome.ok or outcome.status == 404:
            return Result(status=outcome.status)
        return self._logged("delete", Result(problem_of(outcome), outcome.status))

    def _call(self, method: str, url: str, body: bytes | None = None) -> outbound.Outcome:
        left = self.deadline - self._clock()
        if not self.usable:
            return outbound.Outcome(False, outbound.BAD_URL)
        if left < MIN_CALL:
            return outbound.Outcome(False, outbound.OVER_BUDGET)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.client.fetch(method, url, headers=headers, body=body, budget=min(self.call_budget, left),
                                 max_bytes=MAX_BYTES)

    @staticmethod
    def _logged(what: str, result: Result) -> Result:
        if result.problem:
            log.info("reminders %s failed: %s (status %s)", what, result.problem, result.status or "-")
        return result


class RemindersApi:
    """The Reminders API as one app uses it: its client and budgets; `for_request` per request."""

    def __init__(self, client: outbound.Client, call_budget: float = CALL_BUDGET,
                 request_budget: float = REQUEST_BUDGET) -> None:
        self.client, self.call_budget, self.request_budget = client, call_budget, request_budget

    def for_request(self, api_endpoint: str | None, token: str | None) -> Reminders:
        """The API for one request, with its own deadline."""
        return Reminders(self.client, api_endpoint, token, call_budget=self.call_budget,
                         request_budget=self.request_budget)
