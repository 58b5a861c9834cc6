"""HTTP: ``POST /alexa`` (a plain WSGI function in front of Flask, `serve_alexa`) and ``GET /healthz``,
with JSON errors for everything else.

The path of one request: read the raw body once -> verify signature (any failure: 400 with a
reason, nothing else runs) -> bound its nesting, parse JSON once -> check the envelope's shape
-> verify timestamp and skill id -> deserialize -> ``skill.invoke`` -> serialize -> JSON. An optimistic-concurrency
conflict re-runs the request on fresh state; nothing is written for a rejected request.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import time
from collections.abc import Mapping

import orjson
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_model import RequestEnvelope
from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..backends.store import ConcurrentUpdate, DeletionFailed
from ..dialog.turn import RequestContext
from .verify import VerificationError

log = logging.getLogger("backcoach.request")
blueprint = Blueprint("alexa", __name__)

#: Seconds a request may spend re-running after concurrent updates of the same user.
CONFLICT_BUDGET = 2.0
CONFLICT_MAX_PAUSE = 0.05
_UNSAFE = re.compile(r"[^\x21-\x7e]")
_DUMPS = orjson.dumps
#: Deepest nesting of objects and arrays a body may have. Alexa's envelopes nest about 8 levels
#: (session attributes a few more); deeper bodies would break later, where nothing answers
#: with a reason: orjson refuses to write more than 255 levels of the attributes sent back,
#: and the (de)serializers recurse (RecursionError near 1,000).
MAX_DEPTH = 64
TOO_DEEP = "request body is nested too deeply"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


class BadRequest(Exception):
    """The request is not a usable Alexa request: 400 with `reason`."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def json_error(reason: str, status: int) -> Response:
    return Response(_DUMPS({"error": reason}), status=status, mimetype="application/json")


def serve_alexa(app: Flask) -> None:
    """Answer ``/alexa`` in front of Flask: a plain WSGI function; every other path goes to Flask.

    Flask's request and app contexts, routing and response objects cost about 130 µs of CPU per
    request under gunicorn (the benchmark's targets (0) plain WSGI and (1) bare Flask), about as
    much as the whole dialog; the Alexa endpoint needs none of them. Its errors are JSON like Flask's.
    """
    flask = app.wsgi_app
    ext = app.extensions["backcoach"]
    skill_id, limit = app.config["SKILL_ID"], app.config["MAX_CONTENT_LENGTH"]

    def wsgi(environ: dict, start_response):
        if environ.get("PATH_INFO") != "/alexa":
            return flask(environ, start_response)
        status, body = alexa(environ, ext, skill_id, limit)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if status == 405:
            headers.append(("Allow", "POST"))
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)
        return [body]

    app.wsgi_app = wsgi


def alexa(environ: dict, ext: Mapping, skill_id: str | None, limit: int | None) -> tuple[int, bytes]:
    """One ``POST /alexa``: (HTTP status, JSON body). Never raises."""
    started = time.perf_counter()
    ctx = RequestContext(ext["services"])
    request_id, route = "-", "-"
    try:
        if environ.get("REQUEST_METHOD") != "POST":
            raise BadRequest("method not allowed: Alexa requests are POSTed", 405)
        if _mimetype(environ) != "application/json":
            raise BadRequest("content type must be application/json", 415)
        body = read_body(environ, limit)
        payload = _verified_payload(ext["verifier"], EnvironHeaders(environ), body, skill_id)
        request_id = payload["request"].get("requestId") or "-"
        route = payload["request"]["type"]
        status, answer = 200, _DUMPS(_invoke(ext["skill"], payload, body, ctx))
        route = ctx.route or route
    except BadRequest as exc:
        status, answer = exc.status, _DUMPS({"error": exc.reason})
        ctx.outcome = f"rejected: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - a 500 without a traceback, as every other path
        log.error("unexpected %s on /alexa", type(exc).__name__)
        status, answer = 500, _DUMPS({"error": "internal error"})
    # Every request at DEBUG (gunicorn's access log already counts them); refusals at INFO.
    level = logging.DEBUG if status == 200 else logging.INFO
    if log.isEnabledFor(level):
        log.log(level, "request=%s route=%s outcome=%s status=%d retries=%d ms=%.1f", _safe(request_id),
                _safe(route), ctx.outcome, status, ctx.retries, (time.perf_counter() - started) * 1000)
    return status, answer


def _mimetype(environ: Mapping) -> str:
    return environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()


def read_body(environ: Mapping, limit: int | None) -> bytes:
    """The request body, at most ``limit`` bytes (413 past it), as werkzeug reads it: by
    Content-Length, else to the end of a terminated (chunked) input, else nothing."""
    stream, length = environ["wsgi.input"], environ.get("CONTENT_LENGTH")
    if length:
        if not (length.isascii() and length.isdigit()):
            raise BadRequest("Content-Length is not a number")
        if limit is not None and int(length) > limit:
            raise BadRequest(f"request body is larger than {limit} bytes", 413)
        return stream.read(int(length))
    if not environ.get("wsgi.input_terminated"):
        return b""
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise BadRequest(f"request body is larger than {limit} bytes", 413)
    return body


def _verified_payload(verifier, headers: Mapping[str, str], body: bytes, skill_id: str | None) -> dict:
    if verifier is not None:
        try:
            verifier.check_signature(headers, body)
        except VerificationError as exc:
            raise BadRequest(exc.reason) from None
    if too_deep(body):
        raise BadRequest(TOO_DEEP)
    try:
        payload = orjson.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not valid JSON") from None
    _check_shape(payload)
    if verifier is not None:
        try:
            verifier.check_envelope(payload)
        except VerificationError as exc:
            raise BadRequest(exc.reason) from None
    else:
        _check_skill_id(payload, skill_id)
    return payload


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests objects and arrays more than `limit` levels, measured before parsing.

    Fewer opening brackets than `limit` (a normal envelope) settles it with two counts; otherwise
    the strings are cut out and the brackets left are walked (a hostile body only).
    """
    if body.count(b"{") + body.count(b"[") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if byte == 0x7B or byte == 0x5B:  # { [
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _check_shape(payload: object) -> None:
    """The minimum an Alexa request envelope has, so no handler meets a half-formed one."""
    if not isinstance(payload, dict):
        raise BadRequest("body is not an Alexa request envelope (expected a JSON object)")
    req = payload.get("request")
    if not isinstance(req, dict):
        raise BadRequest("envelope has no request object")
    for key in ("type", "requestId", "timestamp"):
        if not isinstance(req.get(key), str) or not req[key]:
            raise BadRequest(f"request.{key} is missing or not text")
    if "locale" in req and not isinstance(req["locale"], str):
        raise BadRequest("request.locale is not text")
    context = payload.get("context")
    system = context.get("System") if isinstance(context, dict) else None
    if not isinstance(system, dict):
        raise BadRequest("envelope has no context.System object")
    application = system.get("application")
    if not isinstance(application, dict) or not isinstance(application.get("applicationId"), str):
        raise BadRequest("context.System.application.applicationId is missing")
    user = system.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("userId"), str) or not user["userId"]:
        raise BadRequest("context.System.user.userId is missing")
    session = payload.get("session")
    if session is not None and (not isinstance(session, dict) or not isinstance(
            session.get("attributes", {}) or {}, dict)):
        raise BadRequest("session is not an object with attributes")
    if req["type"] == "IntentRequest":
        intent = req.get("intent")
        if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
            raise BadRequest("request.intent.name is missing")
        slots = intent.get("slots")
        if slots is not None and (not isinstance(slots, dict)
                                  or not all(isinstance(s, dict) for s in slots.values())):
            raise BadRequest("request.intent.slots is not an object of slots")


def _check_skill_id(payload: dict, skill_id: str | None) -> None:
    if skill_id and payload["context"]["System"]["application"]["applicationId"] != skill_id:
        raise BadRequest("skill id mismatch")


class FreshAttributes(dict):
    """Session attributes parsed from the body for this attempt alone.

    ask-sdk deep-copies session attributes defensively; these are private to one attempt (a
    re-run after a conflict parses the body again), so the copy would protect nothing.
    """

    def __deepcopy__(self, memo: dict) -> FreshAttributes:
        return self


def run_skill(payload: dict) -> tuple[dict, RequestContext]:
    """Run an envelope through the skill in process, without signature checks (the console's way in).

    :raises BadRequest: when the envelope is malformed or nested too deeply (same checks as POST /alexa).
    """
    ext = current_app.extensions["backcoach"]
    ctx = RequestContext(ext["services"])
    try:
        body = orjson.dumps(payload)
    except orjson.JSONEncodeError:  # deeper than orjson writes (255), or not JSON data at all
        raise BadRequest(TOO_DEEP if _nested_beyond(payload, MAX_DEPTH) else "envelope is not JSON data") from None
    if too_deep(body):
        raise BadRequest(TOO_DEEP)
    _check_shape(payload)
    return _invoke(ext["skill"], payload, body, ctx), ctx


def _nested_beyond(value: object, limit: int) -> bool:
    """Whether parsed JSON nests deeper than `limit`, walked without recursion."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def _invoke(skill, payload: dict, body: bytes, ctx: RequestContext) -> dict:
    """Run the skill; on a concurrent update of the same user, re-run it on fresh state.

    Re-runs wait a short random, growing pause (so racing workers fall out of step) and stop
    when CONFLICT_BUDGET seconds are spent, well inside Alexa's 8 seconds.
    """
    deadline = time.monotonic() + CONFLICT_BUDGET
    for attempt in itertools.count():
        if attempt:
            pause = random.uniform(0, min(CONFLICT_MAX_PAUSE, 0.002 * 2 ** attempt))
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
            ctx.retries = attempt
        try:
            envelope = skill.serializer.from_data(payload if attempt == 0 else orjson.loads(body), RequestEnvelope)
        except SerializationException:
            raise BadRequest("malformed Alexa request envelope") from None
        session = envelope.session
        if session is not None and type(session.attributes) is dict:
            session.attributes = FreshAttributes(session.attributes)
        try:
            response = skill.invoke(envelope, ctx)
        except ConcurrentUpdate:
            continue
        except DeletionFailed:
            raise BadRequest("could not delete the user's data now; please retry", 503) from None
        return skill.serializer.serialize(response)
    raise BadRequest("too many concurrent updates of this user; please retry", 503)


def _safe(value: str) -> str:
    """A log field without spaces or control characters (request ids are Alexa's, not the user's)."""
    return _UNSAFE.sub("", value[:120]) or "-"


@blueprint.get("/healthz")
def healthz() -> Response:
    ext = current_app.extensions["backcoach"]
    database = "ok" if ext["store"].ping() else "unavailable"
    body = {"status": "ok", "database": database, "stretches": len(ext["rules"].stretches)}
    return Response(_DUMPS(body), status=200, mimetype="application/json")


def register_error_handlers(app: Flask) -> None:
    """Every HTTP error as JSON with a reason; any other exception as a 500 without a traceback."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return json_error(exc.description or exc.name, exc.code or 500)

    @app.errorhandler(RecursionError)
    def recursion(exc: RecursionError) -> Response:
        # Bodies reach recursive parsers only through paths that do not bound their nesting
        # first (the developer console's get_json): the one input that recurses this deep.
        log.warning("RecursionError on %s: answered 400 (input nested too deeply)", request.path)
        return json_error(TOO_DEEP, 400)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.error("unexpected %s on %s", type(exc).__name__, request.path)
        return json_error("internal error", 500)
