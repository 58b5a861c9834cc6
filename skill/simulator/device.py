"""A simulated Echo that talks to the real skill: typed text in, what Alexa would say out.

`Device.say(text)` resolves the text with the interaction model (`skill.simulator.resolver`),
builds a real request envelope (`skill.simulator.envelopes`), sends it to the app, in process
(`AppTransport`, a Flask test client) or over HTTP (`HttpTransport`), and returns a `Exchange`. Like
Alexa it keeps the session id and attributes between turns, starts a new session with the same
user id (so the app's store is used as it is), and after a Dialog.ElicitSlot reads the next
utterance as an answer for that slot and re-sends the intent's other slots.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Protocol

from skill.dialog.state import Conversation
from skill.dialog.turn import case_of
from skill.voice.ssml import strip_ssml

from . import envelopes as env
from .resolver import Resolution, Resolver
from .responses import ResponseView

if TYPE_CHECKING:
    from flask import Flask

    from rules import Assessment, RuleSet

#: Where the skill looks up the device's time zone: refused at once, so it answers in UTC.
DEAD_API = "http://127.0.0.1:9"
_BREAKS = re.compile(r'(?:\s*<break\s+time="\d+(?:ms|s)"\s*/>)+')
_BREAK_TIME = re.compile(r'time="(\d+)(ms|s)"')


class Transport(Protocol):
    """Sends one request body to the skill: (HTTP status, response JSON or {})."""

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict]: ...


class AppTransport:
    """In process: a Flask test client of an app built by `create_app`."""

    def __init__(self, app: Flask, path: str = "/alexa") -> None:
        self.client = app.test_client()
        self.path = path

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict]:
        result = self.client.post(self.path, data=body, content_type="application/json", headers=dict(headers))
        return result.status_code, result.get_json(silent=True) or {}


class HttpTransport:
    """Over HTTP to a running server (``backcoach serve``), with a timeout."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict]:
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the user's URL
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _pause_ms(breaks: str) -> int:
    """The total length in milliseconds of a run of ``<break>`` tags."""
    return sum(int(n) * (1 if unit == "ms" else 1000) for n, unit in _BREAK_TIME.findall(breaks))


def readable(ssml: str) -> str:
    """Plain text of SSML with each run of pauses shown as its total length: ``[10 s]``, ``[0.6 s]``."""
    return strip_ssml(_BREAKS.sub(lambda match: f" [{_pause_ms(match.group()) / 1000:g} s] ", ssml))


def segments(ssml: str) -> list[tuple[str, int]]:
    """SSML as (plain text, pause in milliseconds after it) pieces, for a speech synthesiser
    without SSML (the browser's); a leading pause has empty text, a last piece without pause 0."""
    pieces, start = [], 0
    for match in _BREAKS.finditer(ssml):
        pieces.append((strip_ssml(ssml[start:match.start()]), _pause_ms(match.group())))
        start = match.end()
    tail = strip_ssml(ssml[start:])
    return [*pieces, (tail, 0)] if tail else pieces


#: The trace of a routine resumed in a new session: what it was chosen on is not this session's case.
RESUMED_NOTE = ("routine: resumed from an earlier session and chosen there, on that session's case "
                "(health facts live in the session only); below: this session's case")


def session_assessment(attributes: Mapping, today: date, rules: RuleSet) -> Assessment:
    """The rules' assessment of the case that session attributes hold, as the skill rebuilds it.

    :raises ValueError: when the attributes hold a fact the rules refuse (e.g. an onset over
        ten years ago in attributes nobody checked).
    """
    return rules.assess(case_of(Conversation(dict(attributes)), today, rules))


@dataclass(frozen=True)
class Exchange(ResponseView):
    """One exchange: what was said, how it was read, what the skill answered.

    resolution: None for requests nobody said (a session ending); note: what the device did
    without the skill (e.g. repeating the reprompt after silence); trace: the rule layer's
    explanation of the case in the session attributes, when asked for.
    """

    said: str
    resolution: Resolution | None
    status: int = 0
    body: dict = field(default_factory=dict)
    request: dict | None = field(default=None, repr=False)
    trace: str | None = None
    note: str | None = None

    @property
    def intent(self) -> str | None:
        return self.resolution.intent if self.resolution else None

    @property
    def slots(self) -> dict[str, str]:
        return self.resolution.slots if self.resolution else {}

    @property
    def speech(self) -> str:
        return readable(self.ssml)

    @property
    def reprompt(self) -> str:
        return readable(self.reprompt_ssml)

    @property
    def error(self) -> str | None:
        """Why the skill refused the request (non-200), if it did."""
        if self.status in (0, 200):
            return None
        return str(self.body.get("error") or f"HTTP {self.status}")


class Device:
    """One user's Echo: user id, session id and attributes, locale, screen, clock, last answer.

    now: the device's clock at the start (default: the real clock, running); `advance` moves it.
    rules: the rule set for traces (default: `rules.default_rules()`); sign: body -> headers.
    """

    def __init__(self, transport: Transport, *, locale: str = "en-US", apl: bool = False,
                 user_id: str | None = None, now: datetime | None = None, trace: bool = False,
                 rules: RuleSet | None = None, sign: Callable[[bytes], Mapping[str, str]] | None = None,
                 skill_id: str = env.SKILL_ID) -> None:
        self.transport = transport
        self.locale = locale
        self.apl = apl
        self.user_id = user_id or f"amzn1.ask.account.SIMULATED{uuid.uuid4().hex.upper()}"
        self.trace = trace
        self.sign = sign
        self.skill_id = skill_id
        self._start = now
        self._offset = timedelta()
        self._rules = rules
        self.last: Exchange | None = None
        self._reset_session()

    # ------------------------------------------------------------------ clock, locale, sessions
    def now(self) -> datetime:
        return (self._start or datetime.now(timezone.utc)) + self._offset

    def today(self) -> date:
        """The device's day in UTC (the skill's day when it cannot look up the time zone)."""
        return self.now().astimezone(timezone.utc).date()

    def advance(self, days: float) -> None:
        self._offset += timedelta(days=days)

    @property
    def in_session(self) -> bool:
        return self.session_id is not None

    def _reset_session(self) -> None:
        self.session_id: str | None = None
        self.attributes: dict = {}
        self.elicit: tuple[str, str] | None = None
        self.pending_slots: dict[str, dict] = {}
        self.silences = 0

    def end_session(self, reason: str = "USER_INITIATED") -> Exchange | None:
        """Close the open session the way Alexa does (a SessionEndedRequest); None if none is open."""
        if not self.in_session:
            return None
        return self._send("", None, env.session_ended_request(reason, self.locale, self.now()))

    def command(self, line: str) -> str:
        """Run a simulator command: ``:new``, ``:days +3``, ``:locale en-GB``. Returns what happened.

        :raises ValueError: for an unknown command or a bad argument.
        """
        name, _, argument = line.strip().partition(" ")
        argument = argument.strip()
        if name == ":new":
            self.end_session()
            return "new session, same user"
        if name == ":days":
            try:
                days = float(argument)
            except ValueError:
                raise ValueError(f":days needs a number of days, like +3, not {argument!r}") from None
            self.advance(days)
            return f"clock moved {days:+g} days: today is {self.today().isoformat()}"
        if name == ":locale":
            if not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", argument):
                raise ValueError(f":locale needs a locale like en-GB, not {argument!r}")
            self.end_session()
            self.locale = argument
            return f"locale {argument}, new session"
        raise ValueError(f"unknown command {name!r} (try :new, :days +N, :locale xx-YY)")

    # ------------------------------------------------------------------ talking
    def say(self, text: str) -> Exchange:
        """Say `text` to the device (the empty string opens the skill, or is silence in a session)."""
        text = text.strip()
        if not text and self.in_session:
            return self._silence()
        if not text:
            resolution = Resolution(text, None, confidence=1.0, how="launch")
        else:
            resolution = Resolver.for_locale(self.locale).resolve(text, self.today(), self.elicit)
            if resolution.intent is None and self.in_session:
                # no launch phrase is in the skill's own model: inside a session Alexa hears junk
                resolution = Resolution(text, "AMAZON.FallbackIntent")
        if resolution.intent is None:
            request = env.launch_request(self.locale, self.now())
        else:
            request = self._intent_request(resolution)
        return self._send(text, resolution, request)

    def _intent_request(self, resolution: Resolution) -> dict:
        slots = resolution.request_slots(self.skill_id)
        dialog_state = None
        if self.elicit is not None and resolution.intent == self.elicit[0]:
            for name, earlier in self.pending_slots.items():  # Alexa re-sends the slots filled before
                if earlier.get("value") and not slots.get(name, {}).get("value"):
                    slots[name] = earlier
            dialog_state = "IN_PROGRESS"
        return env.intent_request(resolution.intent or "", slots, locale=self.locale, now=self.now(),
                                  dialog_state=dialog_state)

    def _silence(self) -> Exchange:
        """Nothing said: Alexa speaks the reprompt once, then ends the session."""
        self.silences += 1
        if self.silences == 1 and self.last is not None and self.last.reprompt:
            return Exchange("", None, note="(silence: Alexa says the reprompt again)",
                        body={"response": {"outputSpeech": self.last.response["reprompt"]["outputSpeech"],
                                           "shouldEndSession": False}})
        turn = self.end_session("EXCEEDED_MAX_REPROMPTS")
        return turn or Exchange("", None)

    def _send(self, said: str, resolution: Resolution | None, request: dict) -> Exchange:
        new = not self.in_session
        if self.session_id is None:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        envelope = env.envelope(request, user_id=self.user_id, session_id=self.session_id, new=new,
                                attributes=self.attributes, apl=self.apl, skill_id=self.skill_id,
                                api_endpoint=DEAD_API)
        body = json.dumps(envelope).encode()
        status, answer = self.transport.post(body, self.sign(body) if self.sign else {})
        turn = Exchange(said, resolution, status, answer, envelope)
        if status == 200 and answer.get("response") is not None:
            self._remember(turn)
            if self.trace:
                turn = Exchange(said, resolution, status, answer, envelope, trace=self._explain(answer))
        if request["type"] == "SessionEndedRequest" or (status == 200 and not turn.open):
            self._reset_session()
        self.last = turn
        return turn

    def _remember(self, turn: Exchange) -> None:
        self.attributes = turn.body.get("sessionAttributes") or {}
        self.silences = 0
        directive = next((d for d in turn.directives if d.get("type") == "Dialog.ElicitSlot"), None)
        if directive is None:
            self.elicit, self.pending_slots = None, {}
            return
        intent = directive.get("updatedIntent") or {}
        self.elicit = (intent.get("name", ""), directive.get("slotToElicit", ""))
        self.pending_slots = {name: slot for name, slot in (intent.get("slots") or {}).items()
                              if isinstance(slot, dict)}

    def _explain(self, answer: dict) -> str:
        """The rule layer's explanation of the case the session attributes hold (as the skill sees it)."""
        if self._rules is None:
            from rules import default_rules
            self._rules = default_rules()
        attributes = answer.get("sessionAttributes") or {}
        explained = session_assessment(attributes, self.today(), self._rules).explain()
        conv = Conversation(dict(attributes))
        if conv.routine is not None and conv.onset is None:  # resumed: this session never heard the case
            return (f"{RESUMED_NOTE}\n{explained}")
        return explained
