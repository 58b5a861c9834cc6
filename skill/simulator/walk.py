"""A guided routine walked through the real app: every response, as a listener would hear them.

`walk(app, ...)` starts today's routine for a case (or one named stretch) with real request
envelopes posted to the app in process, says "next" until the routine is done (and, if asked,
"repeat" after each turn), and returns each response with where it was in the routine. The
pacing tests measure these responses against the speech budget and `backcoach speak` renders
them to audio. The case is put in the session attributes, as the dialog keeps it after the
questions (no understanding of typed text is involved).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from skill.voice.ssml import strip_ssml

from . import envelopes as env
from .device import DEAD_API, AppTransport
from .responses import ResponseView

if TYPE_CHECKING:
    from flask import Flask

#: More turns than any routine takes: a walk that does not end by then is a bug, not a long routine.
MAX_TURNS = 200


@dataclass(frozen=True)
class Heard(ResponseView):
    """One response of a walk. `what`: "start", "next" or "repeat"; `stretch`, `part`: where the
    routine was after it (None once the routine is over)."""

    what: str
    body: dict
    stretch: str | None = None
    part: int | None = None

    @property
    def label(self) -> str:
        where = f"{self.stretch} turn {self.part + 1}" if self.stretch is not None and self.part is not None else "end"
        return f"{self.what}: {where}"


class _Session:
    """One user's session with the app: attributes carried from turn to turn, as Alexa does."""

    def __init__(self, app: Flask, locale: str, apl: bool, now: datetime) -> None:
        self.transport = AppTransport(app)
        self.locale, self.apl, self.now = locale, apl, now
        self.user_id = f"amzn1.ask.account.WALK{uuid.uuid4().hex.upper()}"
        self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        self.attributes: dict = {}
        self.new = True

    def send(self, what: str, intent: str, slots: dict | None = None) -> Heard:
        request = env.intent_request(intent, slots or {}, locale=self.locale, now=self.now)
        envelope = env.envelope(request, user_id=self.user_id, session_id=self.session_id, new=self.new,
                                attributes=self.attributes, apl=self.apl, api_endpoint=DEAD_API)
        status, body = self.transport.post(json.dumps(envelope).encode(), {})
        if status != 200:
            raise RuntimeError(f"the skill answered {status} to {intent}: {body}")
        self.new = False
        self.attributes = body.get("sessionAttributes") or {}
        routine = self.attributes.get("routine")
        if not isinstance(routine, dict):
            return Heard(what, body)
        return Heard(what, body, routine["ids"][routine["i"]], routine.get("p", 0))


def walk(app: Flask, *, locale: str = "en-US", days: int = 9, pain: int = 2, symptoms: Iterable[str] = (),
         stretch: str | None = None, repeats: bool = False, apl: bool = False,
         now: datetime | None = None) -> list[Heard]:
    """Every response of today's routine for the case (or of the one `stretch`), from the start
    to "that's your routine done"; with `repeats`, "repeat" is said after each turn too."""
    now = now or datetime.now(timezone.utc)
    session = _Session(app, locale, apl, now)
    session.attributes = {"case": {"onset": (now.date() - timedelta(days=days)).isoformat(), "pain": pain,
                                   "screened": True, "symptoms": sorted(symptoms)}}
    slots = {"stretch": env.slot("stretch", stretch.replace("_", " "), resolved_id=stretch, slot_type="STRETCH")
             } if stretch else {}
    heard = [session.send("start", "StartStretchIntent", slots)]
    if heard[-1].stretch is None and session.attributes.get("ask") == "start_routine":
        heard.append(session.send("start", "AMAZON.YesIntent"))  # at rest: "shall we start?" breathing
    if heard[-1].stretch is None:
        raise ValueError(f"no routine starts for this case; the skill said: {strip_ssml(heard[-1].ssml)}")
    while heard[-1].stretch is not None:
        if len(heard) > MAX_TURNS:
            raise RuntimeError(f"the routine did not end after {MAX_TURNS} turns")
        if repeats and heard[-1].what != "repeat":
            heard.append(session.send("repeat", "AMAZON.RepeatIntent"))
        heard.append(session.send("next", "AMAZON.NextIntent"))
    return heard


def routine_turns(heard: list[Heard]) -> list[Heard]:
    """The turns that make up the routine itself: from the start to its last stretch's last
    turn, without repeats and without the closing "that's your routine done"."""
    return [h for h in heard if h.what != "repeat" and h.stretch is not None]
