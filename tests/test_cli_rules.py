"""The rule-layer commands of `backcoach`: assess, plugins, stretches, check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skill.cli import main

CONFLICTING_PLUGIN = """
from rules import Finding, hookimpl

@hookimpl
def backcoach_exercise_timing(case):
    return [Finding(rule="everyone_rests", source="over-cautious clinic", max_activity="rest")]
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_prints_the_answer_and_the_trace_in_words(capsys):
    code, out, _ = run(capsys, "assess", "--days", "3", "--pain", "5", "--symptom", "leg_numbness")
    assert code == 0
    assert "tier: see_doctor" in out and "max activity: gentle_stretching" in out
    assert "forward bends" in out
    assert "* red_flags.leg_numbness" in out  # the decisive rule, marked


def test_assess_json(capsys):
    code, out, _ = run(capsys, "assess", "--days", "1", "--symptom", "chest_pain", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["tier"], data["max_activity"]) == ("emergency", "none")
    assert data["case"]["symptoms"] == ["chest_pain"] and data["missing"] == ["pain"]
    assert any(t["rule"] == "chest_pain" and t["decisive"] for t in data["trace"])


def test_assess_with_an_activity(capsys):
    code, out, _ = run(capsys, "assess", "--days", "5", "--pain", "2", "--activity", "running", "--json")
    verdict = json.loads(out)["activity"]
    assert verdict == {"id": "running", "allowed": False, "opens_on_day": 21, "max_pain": 3}


@pytest.mark.parametrize("argv,needle", [
    (["assess", "--pain", "11"], "pain"),
    (["assess", "--symptom", "hiccups"], "symptoms"),
    (["assess", "--days", "-2"], "days_since_onset"),
    (["assess", "--activity", "skydiving"], "activity"),
])
def test_bad_input_is_a_clear_error_with_exit_status_2(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("backcoach: ") and needle in err
    assert "Traceback" not in err


def test_plugins_lists_built_ins_and_third_party_plugins(capsys, install_plugin):
    install_plugin("clinic", CONFLICTING_PLUGIN, dist="clinic-pack", version="0.3")
    install_plugin("broken", "raise RuntimeError('no')\n")
    code, out, _ = run(capsys, "plugins", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert code == 0
    assert listed["red_flags"]["status"] == "active" and listed["red_flags"]["origin"] == "builtin"
    assert listed["clinic"]["version"] == "0.3" and listed["clinic"]["hooks"] == ["backcoach_exercise_timing"]
    assert listed["broken"]["status"] == "failed" and "RuntimeError" in listed["broken"]["error"]
    code, out, _ = run(capsys, "plugins")
    assert "clinic" in out and "failed" in out


def test_stretches_lists_the_catalogue_or_the_routine_for_a_case(capsys):
    code, out, _ = run(capsys, "stretches", "--json")
    catalogue = {s["id"] for s in json.loads(out)}
    assert code == 0 and len(catalogue) >= 13 and "diaphragmatic_breathing" in catalogue
    code, out, _ = run(capsys, "stretches", "--days", "1", "--pain", "2", "--json")
    assert [s["id"] for s in json.loads(out)] == ["diaphragmatic_breathing"]
    code, out, _ = run(capsys, "stretches", "--days", "30", "--pain", "0", "--symptom", "pain_down_leg", "--json")
    routine = [s["id"] for s in json.loads(out)]
    assert routine and "seated_forward_bend" not in routine and "seated_hamstring_stretch" not in routine
    code, out, _ = run(capsys, "stretches", "--days", "3", "--symptom", "fever")
    assert "(none today)" in out


def test_check_passes_on_the_built_ins(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0, out
    assert "cases passed" in out and "cases" in out


def test_check_fails_when_another_plugin_changes_the_built_in_answers(capsys, install_plugin):
    install_plugin("clinic", CONFLICTING_PLUGIN)
    code, out, _ = run(capsys, "check", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert any("max_activity" in p for f in report["failures"] for p in f["problems"])


def test_check_fails_on_a_broken_plugin(capsys, install_plugin):
    install_plugin("broken", "raise RuntimeError('no')\n")
    code, out, _ = run(capsys, "check")
    assert code == 1 and "FAILED PLUGIN broken" in out


def test_the_console_script_is_installed():
    exe = shutil.which("backcoach", path=str(Path(sys.executable).parent))
    assert exe, "the backcoach console script is installed next to this Python"
    done = subprocess.run([exe, "assess", "--days", "4", "--pain", "3"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "gentle_stretching" in done.stdout


def test_stretches_lists_repetitions_and_the_length_of_each_hold(capsys):
    from skill.cli import main
    assert main(["stretches"]) == 0
    lines = capsys.readouterr().out.splitlines()
    breathing = next(line for line in lines if "diaphragmatic_breathing" in line)
    assert "5 reps, breaths of 4 s" in breathing and "40 s" not in breathing  # a breath is counted, not held
    assert "5 reps, holds of 10 s" in next(line for line in lines if " bridge " in line)
