"""The browser console at /console: type to the skill, hear its answer, see the rule trace.

Installed by ``backcoach serve`` (`install`) only when CONSOLE is on (by default when verification
is off); the production factory `skill.app.create_app` never imports it. The
page is plain HTML, CSS and JavaScript from this package, read with `importlib.resources`.

- ``POST /console/api/say`` ``{text, state, action}``: one turn of the simulated Echo
  (`skill.simulator.device.Device`: resolver, real envelopes, elicited slots) sent through the
  skill in process (`skill.web.run_skill`). ``action`` is ``"say"`` (default) or ``"end"`` (the
  device's end button: a SessionEndedRequest).
- ``POST /console/api/assess`` ``{days, pain, symptoms, age, activity}``: the app's rule set on
  a case, with the routine it allows.
- ``GET /console/api/catalogue``: symptoms, activities, stretches and locales for the form.

The server keeps no conversation: the client holds ``state`` (user id, session id and
attributes, a pending Dialog.ElicitSlot, locale, day offset) and sends it back with each turn.
A session is new exactly when ``state.session_id`` is null. Bad input is a 400 with a reason.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from importlib import resources

from flask import Blueprint, Response, current_app, request

from rules import Case, RuleSet
from rules.cli import assessment_json
from skill.edge.web import BadRequest, json_error, run_skill
from skill.simulator import envelopes as env
from skill.simulator.device import Device, Exchange, segments, session_assessment
from skill.voice.texts import LOCALES

log = logging.getLogger("backcoach.console")
blueprint = Blueprint("console", __name__, url_prefix="/console")

MAX_TEXT = 500
MAX_DAY_OFFSET = 3650
STATE_KEYS = frozenset({"user_id", "session_id", "attributes", "elicit", "locale", "day_offset"})
CASE_KEYS = frozenset({"days", "pain", "symptoms", "age", "activity"})
_ID = re.compile(r"[A-Za-z0-9._:-]{1,255}")
ASSETS = {"console.css": "text/css", "console.js": "text/javascript"}
#: The page loads nothing from elsewhere and runs no inline script.
CSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@functools.cache
def _asset(name: str) -> bytes:
    """A file of this package, read once."""
    return resources.files(__name__).joinpath(name).read_bytes()


def _file(name: str, mimetype: str) -> Response:
    response = Response(_asset(name), mimetype=mimetype)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def install(app) -> None:
    """Serve the console on `app` (``backcoach serve`` and the tests do this when CONSOLE is on)."""
    app.register_blueprint(blueprint)


@blueprint.get("")
def page() -> Response:
    return _file("index.html", "text/html")


@blueprint.get("/<any(console.css, console.js):name>")
def asset(name: str) -> Response:
    return _file(name, ASSETS[name])


@blueprint.errorhandler(BadRequest)
def bad_request(exc: BadRequest) -> Response:
    return json_error(exc.reason, exc.status)


class SkillTransport:
    """The device's way to the skill: `run_skill` inside this request, no HTTP, no signature."""

    def post(self, body: bytes, headers: object) -> tuple[int, dict]:
        try:
            answer, ctx = run_skill(json.loads(body))
        except BadRequest as exc:
            return exc.status, {"error": exc.reason}
        log.info("console route=%s outcome=%s", ctx.route or "-", ctx.outcome)
        return 200, answer


@blueprint.post("/api/say")
def say() -> Response:
    body = _json_object()
    text, action = body.get("text", ""), body.get("action", "say")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise BadRequest(f"text must be a string of at most {MAX_TEXT} characters")
    if action not in ("say", "end"):
        raise BadRequest('action must be "say" or "end"')
    device, offset = _device(body.get("state"))
    if action == "end":
        turn = device.end_session()
        if turn is None:
            raise BadRequest("no session is open to end")
    elif not text.strip() and device.in_session:
        raise BadRequest("text is empty: type what you would say (an empty text only opens the skill)")
    else:
        turn = device.say(text)
    if turn.error:
        raise BadRequest(turn.error, turn.status)
    return _reply(_answer(turn, device, offset))


@blueprint.post("/api/assess")
def assess() -> Response:
    body = _json_object()
    unknown = body.keys() - CASE_KEYS
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(CASE_KEYS))}")
    rules: RuleSet = current_app.extensions["backcoach"]["rules"]
    symptoms = body.get("symptoms") or []
    try:
        if not isinstance(symptoms, list) or not all(isinstance(s, str) for s in symptoms):
            raise ValueError("symptoms must be a list of symptom ids")
        case = Case(days_since_onset=body.get("days"), pain=body.get("pain"), symptoms=frozenset(symptoms),
                    age=body.get("age"), activity=body.get("activity") or None)
        assessment = rules.assess(case)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    routine = [{"id": s.id, "name": s.name} for s in rules.routine(case, assessment)]
    return _reply({**assessment_json(assessment), "routine": routine})


@blueprint.get("/api/catalogue")
def catalogue() -> Response:
    rules: RuleSet = current_app.extensions["backcoach"]["rules"]
    return _reply({
        "symptoms": [{"id": s.id, "label": s.label, "tier": s.tier} for s in rules.symptoms.values()],
        "activities": [{"id": a.id, "name": a.name} for a in rules.activities.values()],
        "stretches": [{"id": s.id, "name": s.name, "earliest": s.earliest} for s in rules.stretches.values()],
        "locales": list(LOCALES),
    })


def _reply(data: dict) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")


def _json_object() -> dict:
    if request.mimetype != "application/json":
        raise BadRequest("content type must be application/json", 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _device(state: object) -> tuple[Device, int]:
    """The simulated Echo in the state the client sent, and its day offset.

    :raises BadRequest: naming the bad field.
    """
    state = {} if state is None else state
    if not isinstance(state, dict):
        raise BadRequest("state must be an object")
    unknown = state.keys() - STATE_KEYS
    if unknown:
        raise BadRequest(f"state has unknown field(s) {', '.join(sorted(unknown))}")
    locale = state.get("locale", LOCALES[0])
    if locale not in LOCALES:
        raise BadRequest(f"state.locale must be one of {', '.join(LOCALES)}")
    offset = state.get("day_offset", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_DAY_OFFSET:
        raise BadRequest(f"state.day_offset must be a whole number from 0 to {MAX_DAY_OFFSET}")
    device = Device(SkillTransport(), locale=locale, user_id=_identifier(state, "user_id"),
                    skill_id=current_app.config["SKILL_ID"] or env.SKILL_ID)
    device.advance(offset)
    session_id = _identifier(state, "session_id")
    if session_id is not None:
        device.session_id = session_id
        device.attributes = _object(state, "attributes")
        elicit = state.get("elicit")
        if elicit is not None:
            device.elicit, device.pending_slots = _elicit(elicit)
    return device, offset


def _identifier(state: dict, key: str) -> str | None:
    value = state.get(key)
    if value is not None and not (isinstance(value, str) and _ID.fullmatch(value)):
        raise BadRequest(f"state.{key} must be null or an id of letters, digits and . _ : -")
    return value


def _object(state: dict, key: str) -> dict:
    value = state.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"state.{key} must be an object")
    return value


def _elicit(raw: object) -> tuple[tuple[str, str], dict[str, dict]]:
    """(intent, slot) of a pending Dialog.ElicitSlot and the intent's slots filled so far."""
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("intent", "slot")):
        raise BadRequest("state.elicit must be null or {intent, slot, slots}")
    slots = _object(raw, "slots")
    for name, slot in slots.items():
        if not isinstance(slot, dict) or not all(isinstance(slot.get(k, ""), str) for k in ("name", "value")):
            raise BadRequest(f"state.elicit.slots.{name} must be a slot object with text name and value")
    return (raw["intent"], raw["slot"]), slots


def _answer(turn: Exchange, device: Device, offset: int) -> dict:
    """What the page shows of a turn, and the state to send back with the next one."""
    resolution = turn.resolution
    trace = None
    if isinstance(turn.attributes.get("case"), dict):
        rules: RuleSet = current_app.extensions["backcoach"]["rules"]
        try:
            trace = assessment_json(session_assessment(turn.attributes, device.today(), rules))
        except ValueError:  # facts the rules refuse: only a hand-made state holds them
            trace = None
    return {
        "intent": turn.intent or (turn.request or {}).get("request", {}).get("type"),
        "slots": turn.slots,
        "heard": None if resolution is None else {
            "how": resolution.how, "confidence": resolution.confidence, "sample": resolution.sample},
        "speech_text": turn.speech,
        "ssml": turn.ssml,
        "segments": [{"say": text, "pause_ms": pause} for text, pause in segments(turn.ssml)],
        "reprompt": turn.reprompt,
        "session_open": turn.open,
        "directives": [{k: d[k] for k in ("type", "slotToElicit") if k in d} for d in turn.directives],
        "card": turn.card,
        "trace": trace,
        "today": device.today().isoformat(),
        "state": {
            "user_id": device.user_id,
            "session_id": device.session_id,
            "attributes": device.attributes,
            "elicit": None if device.elicit is None else {
                "intent": device.elicit[0], "slot": device.elicit[1], "slots": device.pending_slots},
            "locale": device.locale,
            "day_offset": offset,
        },
    }
