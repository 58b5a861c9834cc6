"""`backcoach doctor`: what this deployment has configured, and what is missing or broken.

It reads the same settings `create_app` reads (``BACKCOACH_*`` variables), without starting a
server, and checks each part a newcomer trips on: the configuration itself, request
verification and the skill id, the database, the rule plugins, the locales and voice models,
the public URL and operator the skill listing needs, and the tools the developer commands use.
Exit status 1 when something is broken (FAIL); warnings (WARN) do not fail.
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path
from typing import TextIO

from flask import Flask

from rules import RuleSet, build_plugin_manager, plugin_records
from rules.manager import parse_disabled

from . import config as settings
from .backends.engines import open_store
from .voice import manifest
from .voice.model import MODEL_DIR
from .voice.texts import LOCALES, texts

OK, WARN, FAIL = "ok  ", "WARN", "FAIL"


def checks() -> list[tuple[str, str]]:
    """(status, line) for every check, in the order a newcomer needs them."""
    found: list[tuple[str, str]] = []
    add = lambda status, line: found.append((status, line))  # noqa: E731 - a local shorthand
    try:
        version = metadata.version("back-coach")
    except metadata.PackageNotFoundError:
        version = "not installed (run python3 dev.py test or pip install -e .)"
    add(OK, f"back-coach {version}")
    app = Flask("skill.app", instance_path=settings.instance_path(None), instance_relative_config=True)
    try:
        settings.load(app)
    except settings.ConfigError as exc:
        add(FAIL, f"configuration: {exc}")
        return found
    cfg = app.config
    if cfg["VERIFY_SIGNATURE"]:
        add(OK, f"request verification on, skill id {cfg['SKILL_ID']}")
    else:
        add(WARN, "request verification OFF: local use only (set BACKCOACH_SKILL_ID and drop "
                  "BACKCOACH_VERIFY_SIGNATURE=false in production)")
    url = str(cfg["DATABASE_URL"])
    store = open_store(url, timeout=min(cfg["DB_TIMEOUT"], 2.0))
    where = url if url.startswith("sqlite") else "PostgreSQL at " + url.split("@")[-1]
    reachable = store.ping()
    add(OK if reachable else FAIL, f"database {'reachable' if reachable else 'UNREACHABLE'}: {where}")
    store.close()
    _plugins(add, cfg["DISABLED_PLUGINS"], cfg["LOAD_PLUGINS"])
    missing = [loc for loc in LOCALES if not (Path(__file__).resolve().parent.parent / MODEL_DIR / f"{loc}.json").exists()]
    add(OK if not missing else FAIL, f"locales {', '.join(LOCALES)} (emergency numbers "
        + ", ".join(texts(loc).place["emergency_number"] for loc in LOCALES) + ")"
        + (f"; voice models missing for {', '.join(missing)}: run backcoach model export" if missing else ""))
    try:
        add(OK, f"public URL {manifest.check_public_url(cfg['PUBLIC_URL'])} (skill.json: backcoach model export)")
    except manifest.ManifestError as exc:
        add(WARN, f"public URL: {exc}")
    add(OK if cfg["OPERATOR"] else WARN, f"operator: {cfg['OPERATOR']}" if cfg["OPERATOR"] else
        "operator not set: BACKCOACH_OPERATOR names who runs this deployment, with a contact, "
        "on the privacy notice and the terms")
    add(OK if not cfg["REMEMBER_HEALTH"] else WARN, "health facts kept between sessions: "
        + ("no (consumer mode)" if not cfg["REMEMBER_HEALTH"] else "YES: only for HIPAA-eligible deployments"))
    for tool, use in (("espeak-ng", "backcoach speak"), ("wrk", "python3 dev.py bench")):
        add(OK if shutil.which(tool) else WARN, f"{tool} {'found' if shutil.which(tool) else 'missing'} ({use})")
    return found


def _plugins(add, disabled, load) -> None:
    try:
        pm = build_plugin_manager(disabled, load=load)
        rules = RuleSet(pm)
    except ValueError as exc:
        add(FAIL, f"rule plugins: {exc}")
        return
    records = plugin_records(pm)
    active = [r.name for r in records if r.status == "active"]
    add(OK, f"rule plugins active: {', '.join(active)}")
    for r in records:
        if r.status == "failed":
            add(FAIL, f"rule plugin {r.name} failed: {r.error}")
    known = {r.name for r in records}
    unknown = sorted(parse_disabled(disabled) - known)
    if unknown:
        add(WARN, f"BACKCOACH_DISABLED_PLUGINS names no plugin: {', '.join(unknown)} (plugins: {', '.join(sorted(known))})")
    for problem in rules.problems:
        add(WARN, f"rule data: {problem}")


def report(out: TextIO) -> int:
    """Print every check; 1 when one failed."""
    results = checks()
    for status, line in results:
        out.write(f"{status} {line}\n")
    failed = sum(status == FAIL for status, _ in results)
    out.write("all good\n" if not failed else f"{failed} problem(s) to fix\n")
    return 1 if failed else 0
