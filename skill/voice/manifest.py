"""The skill manifest (skill.json): generated for one deployment's public URL and privacy mode.

`build(public_url, remember_health=...)` fills skill/voice/data/manifest.toml's listing text into
every locale (with its emergency number), and points the endpoint, the SKILL_DISABLED events,
the privacy notice, the terms and the icons at `public_url` (all served by the app:
`skill.edge.pages`). A consumer deployment keeps no health facts and says usesHealthInfo false.
A deployment that keeps health facts (REMEMBER_HEALTH) would have to be HIPAA-eligible (US only,
account linking, a PIN before any stored health fact is spoken: ../shared/alexa-platform.md
section 8); Back Coach implements neither account linking nor a PIN, so `build` refuses.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import tomllib
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from .texts import LOCALES, texts

COUNTRIES = {"en-US": "US", "en-GB": "GB", "en-CA": "CA", "en-AU": "AU", "en-IN": "IN"}
#: Hosts that can never be a deployment's public address.
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".invalid", ".localhost", ".local", ".test", ".internal")


class ManifestError(ValueError):
    """The manifest cannot be built for these settings; the message says why and what to do."""


@functools.cache
def template() -> dict:
    """skill/voice/data/manifest.toml, read once."""
    return tomllib.loads(resources.files("skill.voice.data").joinpath("manifest.toml").read_text("utf-8"))


def check_public_url(url: str | None) -> str:
    """`url` without a trailing slash, if it can be a public HTTPS address. :raises ManifestError:"""
    if not url:
        raise ManifestError("the public URL is missing: pass --public-url https://your.host "
                            "(or set BACKCOACH_PUBLIC_URL)")
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        raise ManifestError(f"the public URL must be https://host, not {url!r}: Alexa only calls HTTPS endpoints")
    if parts.query or parts.fragment or parts.username:
        raise ManifestError("the public URL must not carry a query, fragment or user name")
    if host in PLACEHOLDER_DOMAINS or host.endswith(PLACEHOLDER_SUFFIXES) or \
            any(host.endswith("." + d) for d in PLACEHOLDER_DOMAINS):
        raise ManifestError(f"{host} is a placeholder, not this deployment's public host")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        raise ManifestError(f"{host} is an IP address: Alexa needs a host name with a trusted certificate")
    return url.strip().rstrip("/")


def build(public_url: str, *, remember_health: bool = False) -> dict:
    """The manifest for a deployment at `public_url`. :raises ManifestError: see the module docstring."""
    if remember_health:
        raise ManifestError(
            "BACKCOACH_REMEMBER_HEALTH is on: a skill that keeps health facts must be HIPAA-eligible "
            "(US only, account linking, a PIN before any stored health fact is spoken). Back Coach "
            "implements neither account linking nor a PIN, so it will not build that manifest; "
            "turn REMEMBER_HEALTH off for a consumer deployment.")
    base = check_public_url(public_url)
    spec = template()
    endpoint = {"uri": f"{base}/alexa", "sslCertificateType": "Trusted"}
    locales, links = {}, {}
    for locale in LOCALES:
        number = texts(locale).place["emergency_number"]
        locales[locale] = {
            "name": spec["name"], "summary": spec["summary"],
            "description": spec["description"].format(emergency_number=number),
            "examplePhrases": list(spec["example_phrases"]), "keywords": list(spec["keywords"]),
            "smallIconUri": f"{base}/icons/icon-108.png", "largeIconUri": f"{base}/icons/icon-512.png",
        }
        links[locale] = {"privacyPolicyUrl": f"{base}/privacy", "termsOfUseUrl": f"{base}/terms"}
    manifest = {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": locales, "isAvailableWorldwide": False,
            "distributionCountries": [COUNTRIES[locale] for locale in LOCALES],
            "category": spec["category"], "testingInstructions": spec["testing_instructions"],
        },
        "privacyAndCompliance": {
            "usesPersonalInfo": False, "usesHealthInfo": False, "isChildDirected": False,
            "allowsPurchases": False, "containsAds": False, "isExportCompliant": True, "locales": links,
        },
        "apis": {"custom": {"endpoint": endpoint, "interfaces": [
            {"type": "ALEXA_PRESENTATION_APL", "supportedViewports": [dict(v) for v in spec["viewport"]]}]}},
        "events": {"endpoint": endpoint, "subscriptions": [{"eventName": e} for e in spec["events"]]},
        "permissions": [{"name": name} for name in spec["permissions"]],
    }
    return {"manifest": manifest}


def write(path: Path, manifest: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
