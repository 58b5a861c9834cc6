"""A simulated Echo for tests: real request envelopes posted to a real Flask app (test client).

`Echo` keeps the session attributes between turns the way Alexa does, and checks every
response it gets for Alexa's speech rules (`skill.voice.ssml.response_problems`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from skill.simulator import envelopes as env
from skill.simulator.responses import ResponseView
from skill.voice.ssml import response_problems, strip_ssml

#: Alexa's API endpoint in tests: a closed local port, so time-zone lookups fail fast (UTC).
DEAD_API = "http://127.0.0.1:9"
#: Every response the suite produced, with its speech problems (checked at the end of each test).
SPEECH_LOG: list[tuple[str, list[str]]] = []


@dataclass
class Answer(ResponseView):
    """One HTTP response of POST /alexa, with the parts tests look at."""

    status: int
    body: dict
    request: dict = field(repr=False)

    @property
    def json(self) -> dict:
        return self.body

    @property
    def speech(self) -> str:
        return strip_ssml(self.ssml)

    @property
    def reprompt(self) -> str:
        return strip_ssml(self.reprompt_ssml)

    @property
    def ended(self) -> bool:
        return not self.open


class Echo:
    """One user's Echo, sending intents directly (no resolver). `say_intent("CanIExerciseIntent", painLevel="3")` posts a real envelope."""

    def __init__(self, client, *, user_id: str | None = None, locale: str = "en-US",
                 apl: bool = False, now: datetime | None = None, sign=None, path: str = "/alexa",
                 skill_id: str = env.SKILL_ID, api_endpoint: str = DEAD_API) -> None:
        self.client = client
        self.user_id = user_id or f"amzn1.ask.account.TEST{uuid.uuid4().hex.upper()}"
        self.locale = locale
        self.apl = apl
        self.now = now or datetime.now(timezone.utc)
        self.sign = sign
        self.path = path
        self.skill_id = skill_id
        self.api_endpoint = api_endpoint
        self.session_id: str | None = None
        self.attributes: dict = {}
        self.new = True
        #: The user has granted the reminders permission (Alexa shows it in every envelope).
        self.granted = False
        self.last: Answer | None = None

    # ------------------------------------------------------------------ time and sessions
    def advance(self, days: float = 0, seconds: float = 0) -> None:
        """Move this device's clock forward (requests carry the new timestamp)."""
        self.now += timedelta(days=days, seconds=seconds)

    def new_session(self) -> None:
        self.session_id, self.attributes, self.new = None, {}, True

    # ------------------------------------------------------------------ requests
    def launch(self) -> Answer:
        return self.send(env.launch_request(self.locale, self.now))

    def say_intent(self, name: str, dialog_state: str | None = None, **slots) -> Answer:
        """Slots as `name="value"`, or `name=("value", "resolved_id", "TYPE")` with entity resolution,
        or `name=("value", None, "TYPE")` for ER_SUCCESS_NO_MATCH."""
        built = {}
        for slot_name, spec in slots.items():
            if isinstance(spec, tuple):
                value, resolved, kind = spec
                built[slot_name] = env.slot(slot_name, value, resolved_id=resolved, slot_type=kind,
                                            skill_id=self.skill_id, no_match=resolved is None)
            else:
                built[slot_name] = env.slot(slot_name, spec)
        return self.send(env.intent_request(name, built, locale=self.locale, now=self.now,
                                            dialog_state=dialog_state))

    def consent(self, status: str | None, *, code: str = "200") -> Answer:
        """Answer the permission request of the last response (its AskFor directive's token given
        back) the way Alexa does: a Connections.Response, in the session Alexa continues."""
        directive = self.last.directive("Connections.SendRequest") if self.last else None
        token = (directive or {}).get("token", "")
        if status == "ACCEPTED" and code == "200":
            self.granted = True
        return self.send(env.connections_response(status, token, code=code, locale=self.locale, now=self.now))

    def next_stretch(self) -> Answer:
        """Say next until the routine reaches its next stretch (or ends): a stretch may take
        several turns, each under the speech budget."""
        answer = self.say_intent("AMAZON.NextIntent")
        while answer.open and (answer.attributes.get("routine") or {}).get("p", 0) > 0:
            answer = self.say_intent("AMAZON.NextIntent")
        return answer

    def finish_stretch(self) -> None:
        """Say next until the current turn is its stretch's last ("Say next for the next stretch"),
        so that the next Next starts another stretch."""
        while self.last is not None and "routine" in self.attributes and "next stretch" not in self.last.reprompt:
            self.say_intent("AMAZON.NextIntent")

    def end_session(self, reason: str = "USER_INITIATED") -> Answer:
        answer = self.send(env.session_ended_request(reason, self.locale, self.now))
        self.new_session()
        return answer

    def envelope(self, request: dict, in_session: bool = True) -> dict:
        if self.session_id is None:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        return env.envelope(request, user_id=self.user_id, session_id=self.session_id, new=self.new,
                            attributes=self.attributes, apl=self.apl, skill_id=self.skill_id,
                            api_endpoint=self.api_endpoint, in_session=in_session,
                            permissions=env.GRANTED if self.granted else None)

    def send(self, request: dict, in_session: bool = True) -> Answer:
        return self.post(self.envelope(request, in_session))

    def post(self, envelope: dict) -> Answer:
        body = json.dumps(envelope).encode()
        headers = self.sign(body) if self.sign else {}
        result = self.client.post(self.path, data=body, content_type="application/json", headers=headers)
        answer = Answer(result.status_code, result.get_json(silent=True) or {}, envelope)
        self.last = answer
        if answer.status == 200 and answer.json.get("response") is not None:
            problems = response_problems(answer.json)
            SPEECH_LOG.append((envelope["request"].get("intent", {}).get("name", envelope["request"]["type"]),
                               problems))
            if envelope.get("session") is not None:
                self.new = False
                if answer.ended:
                    self.new_session()
                else:
                    self.attributes = answer.attributes
        return answer
