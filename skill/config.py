"""Configuration: defaults, then ``BACKCOACH_*`` environment variables, then the `config` mapping.

| key | default | what |
|---|---|---|
| SKILL_ID | none | the skill's id (``amzn1.ask.skill....``); required when VERIFY_SIGNATURE is on |
| VERIFY_SIGNATURE | true | verify Alexa's request signature, timestamp and skill id |
| DATABASE_URL | ``sqlite:///<instance>/backcoach.sqlite3`` | or ``postgresql://user@host/db`` |
| USER_KEY_SECRET | generated in the instance folder | key of the HMAC that replaces Alexa's userId |
| REMEMBER_HEALTH | false | keep onset and pain between sessions (HIPAA-eligible deployments only) |
| CONSOLE | on when VERIFY_SIGNATURE is off | serve the browser console at /console |
| DISABLED_PLUGINS | none | rule plugins to block, comma-separated (a name that matches no plugin is warned about) |
| LOAD_PLUGINS | unset | the only third-party rule plugins to load, comma-separated; empty: the built-ins only |
| TRUSTED_CA_FILE | certifi's bundle | PEM roots for Alexa's certificate chain (test seam) |
| CERT_FETCHER | HTTPS download | callable url -> PEM bytes (test seam) |
| CERT_CACHE_DIR | none | also cache Alexa's certificate chains on disk |
| CLOCK | system clock | callable -> aware datetime (test seam for verification) |
| SETTINGS_API_BUDGET | 0.15 | the most seconds a request waits for Alexa's Settings API (DNS and body included); the zone is then kept in the profile |
| REMINDERS_API_BUDGET | 1.5 | the most seconds one call to Alexa's Reminders API may take |
| REMINDERS_REQUEST_BUDGET | 2.5 | the most seconds all Reminders API calls of one request may take together (a cancel of several) |
| OUTBOUND_CA_FILE | certifi's bundle | PEM roots for Alexa's APIs and the certificate download (test seam) |
| DB_POOL_MAX | 4 | PostgreSQL connections per worker |
| DB_TIMEOUT | 2.0 | seconds to wait for the database |
| MAX_CONTENT_LENGTH | 256 KiB | larger request bodies are refused (413) |
| LOG_LEVEL | INFO | |
| OPERATOR | none | who runs this deployment, with a contact (shown in the privacy notice and terms) |
| PUBLIC_URL | none | the deployment's public https URL (the skill manifest's endpoint, privacy and terms links) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "BACKCOACH"

DEFAULTS: dict[str, Any] = {
    "SKILL_ID": None,
    "VERIFY_SIGNATURE": True,
    "DATABASE_URL": None,
    "USER_KEY_SECRET": None,
    "REMEMBER_HEALTH": False,
    "CONSOLE": None,
    "DISABLED_PLUGINS": None,
    "LOAD_PLUGINS": None,
    "TRUSTED_CA_FILE": None,
    "CERT_FETCHER": None,
    "CERT_CACHE_DIR": None,
    "CLOCK": None,
    "SETTINGS_API_BUDGET": 0.15,
    "REMINDERS_API_BUDGET": 1.5,
    "REMINDERS_REQUEST_BUDGET": 2.5,
    "OUTBOUND_CA_FILE": None,
    "DB_POOL_MAX": 4,
    "DB_TIMEOUT": 2.0,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "LOG_LEVEL": "INFO",
    "OPERATOR": None,
    "PUBLIC_URL": None,
}
FLAGS = ("VERIFY_SIGNATURE", "REMEMBER_HEALTH", "CONSOLE")
TEXTS = ("SKILL_ID", "DATABASE_URL", "USER_KEY_SECRET", "TRUSTED_CA_FILE", "CERT_CACHE_DIR", "LOG_LEVEL",
         "OUTBOUND_CA_FILE", "OPERATOR", "PUBLIC_URL")


class ConfigError(ValueError):
    """The configuration cannot work; the message says which setting to fix."""


def flag(value: Any) -> bool | None:
    """true/false from booleans, numbers and words ("1", "yes", "off"); None stays None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{PREFIX}_*: {value!r} is not true or false")


def load(app, config: Mapping[str, Any] | None = None) -> None:
    """Fill a Flask app's config: defaults, then ``BACKCOACH_*`` variables, then `config`; checked.

    :raises ConfigError: when the configuration cannot work.
    """
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(PREFIX)
    if config:
        app.config.update(config)
    normalise(app.config, app.instance_path)


def instance_path(config: Mapping[str, Any] | None) -> str | None:
    """The instance folder: INSTANCE_PATH in `config`, else $BACKCOACH_INSTANCE_PATH, else Flask's."""
    value = (config or {}).get("INSTANCE_PATH") or os.environ.get(f"{PREFIX}_INSTANCE_PATH")
    return str(Path(value).resolve()) if value else None


def normalise(config: dict[str, Any], instance: str) -> None:
    """Types fixed (env values arrive JSON-parsed or as text), derived defaults filled, checks made."""
    for key in FLAGS:
        config[key] = flag(config.get(key))
    for key in TEXTS:
        if config.get(key) is not None:
            config[key] = str(config[key]).strip() or None
    if config["CONSOLE"] is None:
        config["CONSOLE"] = not config["VERIFY_SIGNATURE"]
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{Path(instance) / 'backcoach.sqlite3'}"
    for key in ("SETTINGS_API_BUDGET", "REMINDERS_API_BUDGET", "REMINDERS_REQUEST_BUDGET", "DB_TIMEOUT"):
        config[key] = float(config[key])
    for key in ("DB_POOL_MAX", "MAX_CONTENT_LENGTH"):
        config[key] = int(config[key])
    if config["VERIFY_SIGNATURE"] and not config["SKILL_ID"]:
        raise ConfigError(
            f"{PREFIX}_SKILL_ID must be set when request verification is on "
            f"(or set {PREFIX}_VERIFY_SIGNATURE=false for local use only)")
    if not str(config["DATABASE_URL"]).startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(f"{PREFIX}_DATABASE_URL must start with sqlite:/// or postgresql://")
