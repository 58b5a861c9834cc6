"""Target (0): what target (1) does as a plain WSGI function, without Flask: Flask's own cost.

Back Coach answers /alexa with a plain WSGI function in front of Flask (`skill.edge.web.serve_alexa`)
because of the difference between (0) and (1).
"""

from __future__ import annotations

import json

from bench.targets.bare_flask import RESPONSE

BODY = RESPONSE.encode()


def app(environ: dict, start_response):
    json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
