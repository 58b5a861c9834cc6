"""The pages a skill listing links to: GET /privacy, GET /terms, and the skill's icons.

Alexa's certification needs a privacy notice and terms at public URLs (../shared/alexa-platform.md
section 8), and the manifest (`skill.voice.manifest`) points at these routes under the
deployment's public URL. The text is in ``skill/edge/site/*.html``; what the notice says about
health facts follows the deployment's mode (REMEMBER_HEALTH), and the operator's name and
contact come from BACKCOACH_OPERATOR.
"""

from __future__ import annotations

import functools
from html import escape
from importlib import metadata, resources
from string import Template

from flask import Blueprint, Response, current_app

blueprint = Blueprint("pages", __name__)

ICONS = ("icon-108.png", "icon-512.png")
NO_OPERATOR = "the operator of this deployment"
HEALTH_KEPT = ("<p>This deployment is set to keep health facts between sessions: the day your back "
               "spasm started and your pain scores (the last 30). They are deleted with the rest of "
               "your record.</p>")
HEALTH_NOT_KEPT = ("<p>It does <strong>not</strong> keep your symptoms, your pain scores, your age or "
                   "when your back went out: those stay in the conversation only, and are gone when it "
                   "ends.</p>")


@functools.cache
def _page(name: str) -> Template:
    return Template(resources.files(__package__).joinpath("site", name).read_text(encoding="utf-8"))


@functools.cache
def _icon(name: str) -> bytes:
    return resources.files(__package__).joinpath("site", name).read_bytes()


def _version() -> str:
    try:
        return metadata.version("back-coach")
    except metadata.PackageNotFoundError:
        return "(development)"


def render(name: str, config) -> str:
    """A page's HTML for this deployment's settings."""
    operator = escape(config.get("OPERATOR") or NO_OPERATOR)
    health = HEALTH_KEPT if config.get("REMEMBER_HEALTH") else HEALTH_NOT_KEPT
    return _page(name).substitute(operator=operator, health_section=health, version=escape(_version()))


def _html(name: str) -> Response:
    response = Response(render(name, current_app.config), mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.get("/privacy")
def privacy() -> Response:
    return _html("privacy.html")


@blueprint.get("/terms")
def terms() -> Response:
    return _html("terms.html")


@blueprint.get("/icons/<name>")
def icon(name: str) -> Response:
    if name not in ICONS:
        return Response('{"error": "no such icon"}', status=404, mimetype="application/json")
    response = Response(_icon(name), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
