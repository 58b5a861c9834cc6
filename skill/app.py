"""`create_app()`: the only way in. config -> plugin manager -> rules -> store -> dialog -> HTTP.

Nothing is built at import time; every call builds a fresh, independent application, so tests
and the benchmark can run differently configured skills side by side. Production:
``gunicorn "skill.app:create_app()" -c deploy/gunicorn.conf.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from rules import RuleSet, build_plugin_manager

from . import config as settings
from .backends.persistence import SqlPersistenceAdapter, load_or_create_secret
from .backends.engines import open_store
from .backends.outbound import Client
from .backends.reminders import RemindersApi
from .backends.timezones import Zones
from .dialog.dispatch import build_skill
from .dialog.turn import Services
from .edge import pages, web
from .edge.logs import configure_logging
from .edge.serializer import FastSerializer
from .edge.verify import make_verifier

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Back Coach web service.

    :param config: overrides (tests), applied after the defaults and ``BACKCOACH_*`` variables.
    :raises config.ConfigError: when the configuration cannot work (e.g. verification on without
        a skill id); :raises ValueError: when plugin data is broken.
    """
    app = Flask(__name__, instance_path=settings.instance_path(config), instance_relative_config=True)
    settings.load(app, config)
    configure_logging(app.config["LOG_LEVEL"])

    rules = RuleSet(build_plugin_manager(app.config["DISABLED_PLUGINS"], load=app.config["LOAD_PLUGINS"]))
    store = open_store(app.config["DATABASE_URL"], pool_max=app.config["DB_POOL_MAX"],
                       timeout=app.config["DB_TIMEOUT"])
    secret = load_or_create_secret(app.instance_path, app.config["USER_KEY_SECRET"])
    # One pooled, time-boxed client for Alexa's APIs (it rebuilds itself after a fork).
    outbound = Client(ca_file=app.config["OUTBOUND_CA_FILE"])
    services = Services(rules=rules, zones=Zones(outbound, budget=app.config["SETTINGS_API_BUDGET"]),
                        remember_health=app.config["REMEMBER_HEALTH"],
                        reminders=RemindersApi(outbound, app.config["REMINDERS_API_BUDGET"],
                                               app.config["REMINDERS_REQUEST_BUDGET"]))
    ext = app.extensions["backcoach"] = {
        "rules": rules,
        "store": store,
        "services": services,
        "skill": build_skill(SqlPersistenceAdapter(store, secret), FastSerializer()),
        "verifier": make_verifier(app.config, outbound) if app.config["VERIFY_SIGNATURE"] else None,
    }
    if ext["verifier"] is None:
        log.warning("!!! ALEXA REQUEST VERIFICATION IS OFF: anyone can call /alexa. "
                    "Local use only; never run like this in production. !!!")

    app.register_blueprint(web.blueprint)
    app.register_blueprint(pages.blueprint)
    web.register_error_handlers(app)
    web.serve_alexa(app)
    # The browser console is a developer tool (skill.simulator.console): `backcoach serve`
    # adds it when CONSOLE is on; the production factory never imports it.
    return app
