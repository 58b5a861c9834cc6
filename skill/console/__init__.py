"""The browser console at /console (placeholder until the console lands)."""

from flask import Blueprint

blueprint = Blueprint("console", __name__)
