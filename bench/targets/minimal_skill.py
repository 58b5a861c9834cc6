"""Target (2): the minimal ask-sdk-core skill, behind the same Flask route and verification as ours.

A LaunchRequest handler and one IntentRequest handler, speech only, built the way Amazon's
samples build a skill (SkillBuilder, DefaultSerializer), verified with the same
`skill.verify.Verifier` and the same documented seams as Back Coach.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, request

from bench.ca import ENV, verification_config
from skill.edge.verify import VerificationError, make_verifier


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Welcome. What would you like to do?").ask(
            "What would you like to do?").response


class IntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Here is your answer.").response


def create_app() -> Flask:
    sb = SkillBuilder()
    sb.add_request_handler(LaunchHandler())
    sb.add_request_handler(IntentHandler())
    skill = sb.create()
    config = {"SKILL_ID": os.environ["BACKCOACH_SKILL_ID"], **verification_config(Path(os.environ[ENV]))}
    verifier = make_verifier(config)
    app = Flask(__name__)

    @app.post("/alexa")
    def alexa() -> Response:
        body = request.get_data()
        try:
            verifier.check_signature(request.headers, body)
            verifier.check_envelope(json.loads(body))
        except VerificationError as exc:
            return Response(json.dumps({"error": exc.reason}), status=400, mimetype="application/json")
        envelope = skill.serializer.deserialize(body.decode(), RequestEnvelope)
        response = skill.invoke(envelope, None)
        return Response(json.dumps(skill.serializer.serialize(response)), mimetype="application/json")

    return app


app = create_app() if ENV in os.environ else None
