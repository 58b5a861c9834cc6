"""Target (1): a bare Flask endpoint that parses the JSON body and returns a fixed small response."""

from __future__ import annotations

import json

from flask import Flask, Response, request

RESPONSE = json.dumps({"version": "1.0", "response": {
    "outputSpeech": {"type": "SSML", "ssml": "<speak>Hello.</speak>"}, "shouldEndSession": True}})


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/alexa")
    def alexa() -> Response:
        json.loads(request.get_data())
        return Response(RESPONSE, mimetype="application/json")

    return app


app = create_app()
