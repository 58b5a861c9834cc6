"""The interaction models are generated from the plugins' data and kept in sync by this test."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from rules import Move, RuleSet, Stretch, build_plugin_manager, hookimpl
from skill.cli import main
from skill.voice.model import build_model, contract, problems, render

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "deploy/skill-package/interactionModels/custom"
LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_models_are_not_stale(rules, locale):
    committed = (MODELS / f"{locale}.json").read_text(encoding="utf-8")
    assert committed == render(build_model(rules, locale)), (
        f"{locale}.json is stale: run `backcoach model export` and commit the result")


@pytest.mark.parametrize("locale", LOCALES)
def test_models_follow_alexas_rules(rules, locale):
    assert problems(build_model(rules, locale)) == []


def test_the_model_carries_the_voice_contract(rules):
    lm = build_model(rules, "en-US")["interactionModel"]["languageModel"]
    assert lm["invocationName"] == "back coach"
    intents = {i["name"]: i for i in lm["intents"]}
    slots = {name: {s["name"]: s["type"] for s in i.get("slots", [])} for name, i in intents.items()}
    assert slots["CanIExerciseIntent"] == {"activity": "ACTIVITY", "onsetDate": "AMAZON.DATE",
                                           "daysAgo": "AMAZON.NUMBER", "painLevel": "AMAZON.NUMBER"}
    assert slots["ReportSymptomIntent"] == {"symptom": "SYMPTOM", "age": "AMAZON.NUMBER", "painLevel": "AMAZON.NUMBER",
                                            "onsetDate": "AMAZON.DATE", "daysAgo": "AMAZON.NUMBER"}
    assert slots["ReportOnsetIntent"] == {"onsetDate": "AMAZON.DATE", "daysAgo": "AMAZON.NUMBER",
                                          "painLevel": "AMAZON.NUMBER"}
    assert slots["ReportPainIntent"] == {"painLevel": "AMAZON.NUMBER", "onsetDate": "AMAZON.DATE",
                                         "daysAgo": "AMAZON.NUMBER"}
    assert slots["StartStretchIntent"] == {"stretch": "STRETCH"}
    for name in ("SeeDoctorIntent", "ListStretchesIntent", "ReliefTipsIntent", "ForgetMeIntent",
                 "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
                 "AMAZON.RepeatIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent",
                 "AMAZON.StartOverIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent",
                 "AMAZON.CancelIntent", "AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent"):
        assert name in intents
    types = {t["name"]: {v["id"]: v for v in t["values"]} for t in lm["types"]}
    assert set(rules.symptoms) <= set(types["SYMPTOM"]) and len(types["SYMPTOM"]) >= 29
    assert set(types["STRETCH"]) == set(rules.stretches)
    assert {"walking", "running", "swimming", "cycling", "yoga", "weight_lifting", "golf"} <= set(types["ACTIVITY"])
    assert "numb around my bottom" in types["SYMPTOM"]["saddle_numbness"]["name"]["synonyms"]


def test_the_dialog_model_lets_the_skill_elicit_onset_and_pain(rules):
    model = build_model(rules, "en-US")["interactionModel"]
    dialog = {i["name"]: {s["name"] for s in i["slots"]} for i in model["dialog"]["intents"]}
    assert {"onsetDate", "painLevel"} <= dialog["CanIExerciseIntent"]
    assert model["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"


def test_locale_samples_differ_only_where_the_data_says(rules):
    gb = {i["name"]: i["samples"] for i in build_model(rules, "en-GB")["interactionModel"]["languageModel"]["intents"]}
    us = {i["name"]: i["samples"] for i in build_model(rules, "en-US")["interactionModel"]["languageModel"]["intents"]}
    assert "should i see my gp" in gb["SeeDoctorIntent"] and "should i see my gp" not in us["SeeDoctorIntent"]
    assert "should i go to a and e" in gb["SeeDoctorIntent"] and "should i go to urgent care" in us["SeeDoctorIntent"]


def _synonyms(rules, locale: str, kind: str) -> dict[str, set[str]]:
    types = build_model(rules, locale)["interactionModel"]["languageModel"]["types"]
    values = next(t for t in types if t["name"] == kind)["values"]
    return {v["id"]: {v["name"]["value"], *v["name"]["synonyms"]} for v in values}


def test_each_locale_has_its_own_words_for_symptoms_and_activities(rules):
    gb, us, india, au = (_synonyms(rules, loc, "SYMPTOM") for loc in ("en-GB", "en-US", "en-IN", "en-AU"))
    assert "numb when i sit on the loo" in gb["saddle_numbness"] and "numb when i sit on the loo" not in us["saddle_numbness"]
    assert "i can't control my motions" in india["bowel_control_loss"]
    assert "i can't control my motions" not in gb["bowel_control_loss"]
    assert "numb when i sit on the dunny" in au["saddle_numbness"]
    assert "my butt feels numb" in us["saddle_numbness"]
    assert "saddle numbness" in gb["saddle_numbness"] and "saddle numbness" in us["saddle_numbness"]  # all locales
    # "footy" is football in Britain and Australian rules (a contact sport) in Australia
    assert "footy" in _synonyms(rules, "en-GB", "ACTIVITY")["football"]
    assert "footy" in _synonyms(rules, "en-AU", "ACTIVITY")["contact_sports"]


def test_every_added_synonym_reaches_the_model(rules):
    """A synonym of synonyms.toml that another value already claims is dropped: none should be."""
    from skill.voice.model import spoken, synonyms
    lost = []
    for kind, values in synonyms().items():
        for ident, by_locale in values.items():
            for locale, words in by_locale.items():
                model = _synonyms(rules, "en-US" if locale == "all" else locale, kind)
                lost += [(kind, ident, w) for w in words if spoken(w) not in model.get(ident, set())]
    assert not lost


def test_every_added_synonym_names_a_known_value(rules):
    from skill.voice.model import synonyms
    known = {"SYMPTOM": set(rules.symptoms), "STRETCH": set(rules.stretches), "ACTIVITY": set(rules.activities)}
    unknown = [(kind, ident) for kind, values in synonyms().items() for ident in values if ident not in known[kind]]
    assert not unknown


def test_every_added_sample_names_an_intent_of_the_contract():
    from skill.voice.model import phrasings
    assert set(phrasings()["intents"]) <= set(contract()["intents"])


def test_a_plugins_new_stretch_reaches_the_voice_model():
    class WallSit:
        @hookimpl
        def backcoach_stretches(self):
            return [Stretch(id="wall_sit", name="wall sit", synonyms=("wall squat",), position="standing",
                            earliest="low_impact_exercise", stop_if="Stop if it hurts.", setup=("Stand.",),
                            moves=(Move("Slide down.", 10),), repetitions=2, source="test")]
    pm = build_plugin_manager(disabled="")
    pm.register(WallSit(), name="wall_sit_pack")
    stretches = next(t for t in build_model(RuleSet(pm), "en-US")["interactionModel"]["languageModel"]["types"]
                     if t["name"] == "STRETCH")
    assert {"id": "wall_sit", "name": {"value": "wall sit", "synonyms": ["wall squat"]}} in stretches["values"]


@pytest.mark.parametrize("damage,needle", [
    (lambda lm: lm["intents"][0]["samples"].append("can i run 5k"), "characters Alexa does not allow"),
    (lambda lm: lm["intents"][0]["samples"].append("is {sport} okay"), "unknown slot sport"),
    (lambda lm: lm["intents"][1]["samples"].append(lm["intents"][0]["samples"][0]), "is in both"),
    (lambda lm: lm.update(invocationName="Back"), "invocationName"),
    (lambda lm: lm["intents"].pop(next(i for i, x in enumerate(lm["intents"]) if x["name"] == "AMAZON.StopIntent")),
     "AMAZON.StopIntent"),
    (lambda lm: lm["types"][0]["values"].append(copy.deepcopy(lm["types"][0]["values"][0])), "duplicate id"),
    # a plain sample that is another intent's "{symptom}" with a symptom's synonym in it
    (lambda lm: next(i for i in lm["intents"] if i["name"] == "ItHurtsIntent")["samples"].append("i can't pee"),
     "is also '{symptom}'"),
    (lambda lm: lm["types"][0]["values"][0]["name"]["synonyms"].append("a" * 141), "longer than 140"),
    (lambda lm: lm["intents"].extend({"name": f"Extra{i}Intent", "samples": [f"extra number {i}"]} for i in range(250)),
     "Alexa allows 250"),
])
def test_the_model_checker_catches_what_alexa_rejects(rules, damage, needle):
    model = build_model(rules, "en-US")
    damage(model["interactionModel"]["languageModel"])
    assert any(needle in p for p in problems(model))


def test_model_export_writes_every_locale(tmp_path, capsys):
    assert main(["model", "export", "--dir", str(tmp_path)]) == 0
    models = tmp_path / "interactionModels" / "custom"
    assert sorted(p.name for p in models.iterdir()) == sorted(f"{loc}.json" for loc in LOCALES)
    assert json.loads((models / "en-GB.json").read_text())["interactionModel"]["languageModel"]["invocationName"] == "back coach"
    assert not (tmp_path / "skill.json").exists() and "--public-url" in capsys.readouterr().out
    assert set(contract()["locales"]) == set(LOCALES)
