"""The deployment artefacts: the skill manifest, the ASK CLI project file, the gunicorn config.

The manifest is checked against the shapes Alexa expects (../shared/alexa-platform.md sections
6, 8 and 9): every locale's listing carries the health disclaimer with that locale's emergency
number, every example phrase resolves through the committed interaction model, the endpoint is
HTTPS, and SKILL_DISABLED is subscribed so the skill can delete a user's data.
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from gunicorn.config import KNOWN_SETTINGS

from skill.voice.texts import texts
from skill.simulator.resolver import Resolver
from skill.voice.model import contract, problems

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PACKAGE = DEPLOY / "skill-package"
MODELS = PACKAGE / "interactionModels/custom"
LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]
COUNTRIES = {"US", "GB", "CA", "AU", "IN"}
SSL_TYPES = {"SelfSigned", "Wildcard", "Trusted"}
EVENT_NAMES = {"SKILL_ENABLED", "SKILL_DISABLED", "SKILL_PERMISSION_ACCEPTED",
               "SKILL_PERMISSION_CHANGED", "SKILL_ACCOUNT_LINKED"}
COMPLIANCE_FLAGS = {"usesPersonalInfo": False, "usesHealthInfo": False, "isChildDirected": False,
                    "allowsPurchases": False, "containsAds": False, "isExportCompliant": True}
DISCLAIMER = ("does not provide medical advice",
              "not a substitute for professional medical advice, treatment or diagnosis",
              "call your doctor")
VIEWPORT_KEYS = {"mode", "shape", "minWidth", "maxWidth", "minHeight", "maxHeight"}
#: Resolver confidence an example phrase needs: exact matches score 1, close paraphrases ~0.9.
MIN_CONFIDENCE = 0.85


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


PUBLIC_URL = "https://coach.physio-clinic.co.uk"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """skill.json as `backcoach model export --public-url` writes it for a deployment."""
    from skill.cli import main

    package = tmp_path_factory.mktemp("skill-package")
    assert main(["model", "export", "--dir", str(package), "--public-url", PUBLIC_URL]) == 0
    return load(package / "skill.json")["manifest"]


def committed_locales() -> list[str]:
    return sorted(path.stem for path in MODELS.glob("*.json"))


def test_manifest_has_the_shape_of_a_custom_skill(manifest):
    assert set(manifest) == {"manifestVersion", "publishingInformation", "privacyAndCompliance",
                             "apis", "events", "permissions"}
    assert manifest["manifestVersion"] == "1.0"
    publishing = manifest["publishingInformation"]
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert publishing["isAvailableWorldwide"] is False
    assert publishing["testingInstructions"].strip()
    assert set(manifest["apis"]) == {"custom"}, "a custom skill, hosted as a web service"


def test_manifest_locales_equal_the_committed_models(manifest):
    assert sorted(manifest["publishingInformation"]["locales"]) == committed_locales() == sorted(LOCALES)
    assert sorted(manifest["privacyAndCompliance"]["locales"]) == committed_locales()
    assert committed_locales() == sorted(contract()["locales"])


def test_distribution_countries_match_the_locales(manifest):
    countries = manifest["publishingInformation"]["distributionCountries"]
    assert len(countries) == len(set(countries))
    assert set(countries) == {locale.split("-")[1] for locale in LOCALES} == COUNTRIES


@pytest.mark.parametrize("locale", LOCALES)
def test_each_locale_lists_name_summary_keywords(manifest, locale):
    listing = manifest["publishingInformation"]["locales"][locale]
    assert listing["name"] == "Back Coach"
    assert listing["summary"] == listing["summary"].strip() != ""
    assert listing["keywords"] and all(isinstance(k, str) and k.strip() for k in listing["keywords"])


@pytest.mark.parametrize("locale", LOCALES)
def test_each_description_carries_the_disclaimer_and_the_local_emergency_number(manifest, locale):
    description = manifest["publishingInformation"]["locales"][locale]["description"]
    flat = " ".join(description.lower().split())
    for phrase in DISCLAIMER:
        assert phrase in flat, f"{locale}: the description lacks {phrase!r}"
    number = texts(locale).place["emergency_number"]  # the number the skill itself speaks
    assert f"if you think you may have a medical emergency, call {number}." in flat
    others = {texts(other).place["emergency_number"] for other in LOCALES} - {number}
    assert not any(re.search(rf"\b{other}\b", flat) for other in others), f"{locale}: a foreign number"


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_resolve_through_the_committed_model(manifest, locale):
    model = load(MODELS / f"{locale}.json")
    invocation = model["interactionModel"]["languageModel"]["invocationName"]
    assert invocation == "back coach"
    samples = {i["name"]: set(i.get("samples", []))
               for i in model["interactionModel"]["languageModel"]["intents"]}
    resolver = Resolver(model)
    phrases = manifest["publishingInformation"]["locales"][locale]["examplePhrases"]
    assert len(phrases) == 3 == len(set(phrases)), "Alexa shows up to three example phrases: use all, distinct"
    for phrase in phrases:
        assert phrase.startswith("Alexa, "), phrase
        said = phrase.removeprefix("Alexa, ")
        assert invocation in said.lower(), f"{phrase!r} does not name the invocation {invocation!r}"
        heard = resolver.resolve(said)
        assert heard.confidence >= MIN_CONFIDENCE, f"{locale}: {phrase!r} is not understood ({heard})"
        if heard.intent is not None:  # a one-shot request: it must hit one of the model's samples
            assert heard.sample in samples[heard.intent], f"{locale}: {phrase!r} -> {heard}"
    assert resolver.resolve(phrases[0].removeprefix("Alexa, ")).intent is None, "first phrase opens the skill"


@pytest.mark.parametrize("locale", LOCALES)
def test_privacy_policy_terms_and_icons_per_locale_are_served_by_the_app(manifest, locale, client):
    urls = manifest["privacyAndCompliance"]["locales"][locale]
    listing = manifest["publishingInformation"]["locales"][locale]
    for url in (urls["privacyPolicyUrl"], urls["termsOfUseUrl"], listing["smallIconUri"], listing["largeIconUri"]):
        parts = urlsplit(url)
        assert parts.scheme == "https" and f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, url
        assert client.get(parts.path).status_code == 200, f"the app serves {parts.path}"


def test_compliance_flags(manifest):
    compliance = manifest["privacyAndCompliance"]
    assert {key: compliance[key] for key in COMPLIANCE_FLAGS} == COMPLIANCE_FLAGS


def check_endpoint(endpoint: dict) -> None:
    assert set(endpoint) == {"uri", "sslCertificateType"}
    parts = urlsplit(endpoint["uri"])
    assert parts.scheme == "https" and parts.netloc and parts.port in (None, 443)
    assert parts.path == "/alexa", "the skill answers on POST /alexa"
    assert endpoint["sslCertificateType"] in SSL_TYPES


def test_custom_endpoint_and_apl_interface(manifest):
    custom = manifest["apis"]["custom"]
    check_endpoint(custom["endpoint"])
    (apl,) = [i for i in custom["interfaces"] if i["type"] == "ALEXA_PRESENTATION_APL"]
    assert apl["supportedViewports"]
    for viewport in apl["supportedViewports"]:
        assert set(viewport) == VIEWPORT_KEYS
        assert viewport["mode"] in {"HUB", "TV", "MOBILE", "PC", "AUTO"}
        assert viewport["shape"] in {"ROUND", "RECTANGLE"}
        assert 0 < viewport["minWidth"] <= viewport["maxWidth"]
        assert 0 < viewport["minHeight"] <= viewport["maxHeight"]


def test_skill_disabled_events_reach_the_same_endpoint(manifest):
    events = manifest["events"]
    check_endpoint(events["endpoint"])
    assert events["endpoint"] == manifest["apis"]["custom"]["endpoint"]
    names = [s["eventName"] for s in events["subscriptions"]]
    assert "SKILL_DISABLED" in names and set(names) <= EVENT_NAMES


def test_ask_resources_point_at_the_skill_package_only():
    resources = load(DEPLOY / "ask-resources.json")
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"] == {"src": "./skill-package"}
    assert (DEPLOY / profile["skillMetadata"]["src"] / "interactionModels" / "custom").is_dir()
    assert "code" not in profile and "skillInfrastructure" not in profile, "self-hosted: no Lambda"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_committed_model_passes_the_model_checks(locale):
    assert problems(load(MODELS / f"{locale}.json")) == []


@pytest.fixture
def gunicorn_settings(monkeypatch) -> dict:
    """deploy/gunicorn.conf.py executed as gunicorn executes it, on its defaults: its public names."""
    for name in ("BACKCOACH_BIND", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    values = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    return {name: value for name, value in values.items()
            if not name.startswith("_") and name != "os"}


def test_gunicorn_config_answers_within_alexas_time(gunicorn_settings):
    assert gunicorn_settings["timeout"] < 8
    assert gunicorn_settings["graceful_timeout"] <= 8
    assert gunicorn_settings["workers"] >= 2
    assert gunicorn_settings["preload_app"] is False
    assert gunicorn_settings["bind"] == "127.0.0.1:8000"


def test_gunicorn_config_names_only_real_settings(gunicorn_settings):
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert set(gunicorn_settings) <= known, "gunicorn silently ignores a misspelt setting"


def test_gunicorn_access_log_has_no_query_strings_headers_or_addresses(gunicorn_settings):
    fmt = gunicorn_settings["access_log_format"]
    assert "%(U)s" in fmt and "%(s)s" in fmt and "%(M)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(h)s", "%(a)s", "%(f)s", "%(u)s", "i)s", "e)s"):
        assert atom not in fmt, f"the access log must not contain {atom}"


def test_gunicorn_config_honours_the_environment(monkeypatch):
    monkeypatch.setenv("BACKCOACH_BIND", "10.0.0.5:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    values = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (values["bind"], values["workers"]) == ("10.0.0.5:9000", 3)


@pytest.mark.parametrize("url", ["https://backcoach.example.com", "http://coach.physio-clinic.co.uk",
                                 "https://localhost:8443", "https://127.0.0.1", "https://coach.test",
                                 "https://skill.example.org/", "", "https://x.y/?a=1"])
def test_placeholder_or_unusable_public_urls_are_refused(url):
    from skill.voice.manifest import ManifestError, build
    with pytest.raises(ManifestError):
        build(url)


def test_a_deployment_that_keeps_health_facts_gets_no_manifest(tmp_path, monkeypatch, capsys):
    from skill.cli import main
    monkeypatch.setenv("BACKCOACH_REMEMBER_HEALTH", "1")
    assert main(["model", "export", "--dir", str(tmp_path), "--public-url", PUBLIC_URL]) == 2
    assert "HIPAA-eligible" in capsys.readouterr().err and not (tmp_path / "skill.json").exists()


def test_the_manifest_declares_the_reminders_permission_and_no_health_info(manifest):
    assert {"name": "alexa::alerts:reminders:skill:readwrite"} in manifest["permissions"]
    assert manifest["privacyAndCompliance"]["usesHealthInfo"] is False


def test_no_manifest_with_placeholder_urls_is_committed():
    committed = PACKAGE / "skill.json"
    if committed.exists():  # written locally by `backcoach model export --public-url`
        text = committed.read_text()
        assert "example.com" not in text and "localhost" not in text
