"""The example third-party rule pack (examples/backcoach-desk-pack), installed as a real distribution."""

from __future__ import annotations

import json
import sys
import tomllib

import pytest

from conftest import ROOT
from rules import Case, RuleSet, build_plugin_manager, plugin_records
from skill.cli import main
from skill.voice.model import build_model

PACK = ROOT / "examples" / "backcoach-desk-pack"


@pytest.fixture
def desk_pack(install_plugin):
    """Install the pack the way pip would: its metadata and entry point from its pyproject."""
    project = tomllib.loads((PACK / "pyproject.toml").read_text())["project"]
    (name, value), = project["entry-points"]["backcoach.rules"].items()
    install_plugin(name, dist=project["name"], version=project["version"], value=value,
                   package_dir=PACK / "src")
    yield project
    for module in [m for m in sys.modules if m.startswith("backcoach_desk_pack")]:
        del sys.modules[module]


def test_the_pack_is_listed_with_its_version_and_hooks(desk_pack, capsys):
    records = {r.name: r for r in plugin_records(build_plugin_manager(disabled=""))}
    pack = records["desk_pack"]
    assert (pack.status, pack.origin, pack.version, pack.distribution) == (
        "active", "entry point", desk_pack["version"], "backcoach-desk-pack")
    assert set(pack.hooks) == {"backcoach_stretches", "backcoach_advice", "backcoach_choose_routine",
                               "backcoach_test_cases"}
    assert main(["plugins"]) == 0 and "desk_pack" in capsys.readouterr().out


def test_the_pack_is_used(desk_pack):
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert rules.stretches["wall_sit"].source.startswith("seed 000")
    routine = [s.id for s in rules.routine(Case(days_since_onset=16, pain=2))]
    assert routine[0] == "seated_knee_hug" and "wall_sit" in routine
    assert "wall_sit" not in [s.id for s in rules.routine(Case(days_since_onset=16, pain=2,
                                                                symptoms={"osteoporosis"}))]
    assert any(a.id == "sitting_breaks" for a in rules.advice_of("relief"))
    values = next(t for t in build_model(rules, "en-US")["interactionModel"]["languageModel"]["types"]
                  if t["name"] == "STRETCH")["values"]
    assert any(v["id"] == "wall_sit" for v in values)


def test_the_pack_is_checked_against_the_combined_rules(desk_pack, capsys):
    assert main(["check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["cases"] >= 50 + 3


def test_the_packs_cases_fail_when_another_plugin_changes_its_answers(desk_pack, install_plugin, capsys):
    install_plugin("slow_clinic", """
from rules import Finding, hookimpl

@hookimpl
def backcoach_exercise_timing(case):
    return [Finding(rule="nothing_before_day_30", source="clinic", max_activity="light_activity")]
""")
    assert main(["check", "--json"]) == 1
    failures = json.loads(capsys.readouterr().out)["failures"]
    desk = [f for f in failures if f["plugin"] == "desk_pack"]
    assert desk and any("wall_sit" in p for f in desk for p in f["problems"])


def test_the_pack_through_the_skill(desk_pack, make_app):
    from alexa import Echo
    device = Echo(make_app().test_client())
    device.say_intent("ReportOnsetIntent", daysAgo="16")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    start = device.say_intent("AMAZON.YesIntent")
    assert "seated knee hug" in start.speech
    assert "wall_sit" in start.attributes["routine"]["ids"]
