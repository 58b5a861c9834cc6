"""Plugin loading: built-ins by name, real entry points, blocking before import, failures recorded."""

from __future__ import annotations

import inspect
import re
import sys

import pytest

from rules import (
    BUILTIN_PLUGINS, Case, RuleSet, build_plugin_manager, hookspecs, plugin_records,
)
from rules.manager import hook_names

GOOD_PLUGIN = """
from rules import Finding, hookimpl

@hookimpl
def backcoach_red_flags(case):
    if "night_pain" in case.symptoms:
        return [Finding(rule="night_pain_is_an_emergency_here", source="test clinic", tier="emergency")]
"""


def records(pm):
    return {r.name: r for r in plugin_records(pm)}


def test_hook_specs_are_all_documented():
    """Every hook says its arguments, its return contract, when it is called and how results combine."""
    names = hook_names()
    assert {"backcoach_red_flags", "backcoach_exercise_timing", "backcoach_stretches",
            "backcoach_choose_routine", "backcoach_test_cases"} <= names
    for name in sorted(names):
        spec = getattr(hookspecs, name)
        doc = inspect.getdoc(spec) or ""
        for arg in inspect.signature(spec).parameters:
            assert f":param {arg}:" in doc, f"{name} does not document argument {arg!r}"
        assert ":return:" in doc, f"{name} does not document its return contract"
        assert re.search(r"\bCalled\b", doc), f"{name} does not say when it is called"
        assert re.search(r"Combined|First result", doc), f"{name} does not say how results combine"
        assert inspect.signature(spec).return_annotation is not inspect.Signature.empty


def test_built_ins_are_registered_by_name_as_ordinary_plugins(pm):
    recs = records(pm)
    for name, module in BUILTIN_PLUGINS:
        assert recs[name].status == "active" and recs[name].origin == "builtin"
        assert pm.get_plugin(name) is sys.modules[module]
    assert "backcoach_red_flags" in recs["red_flags"].hooks


def test_an_installed_entry_point_plugin_is_listed_and_used(install_plugin):
    install_plugin("night_clinic", GOOD_PLUGIN, dist="night-clinic", version="2.1")
    pm = build_plugin_manager(disabled="")
    rec = records(pm)["night_clinic"]
    assert (rec.status, rec.origin, rec.version, rec.distribution) == (
        "active", "entry point", "2.1", "night-clinic")
    a = RuleSet(pm).assess(Case(days_since_onset=5, pain=2, symptoms={"night_pain"}))
    assert a.tier == "emergency"
    assert any(e.plugin == "night_clinic" and e.decisive for e in a.trace)


def test_a_blocked_plugin_is_never_imported(install_plugin, tmp_path):
    marker = tmp_path / "imported"
    install_plugin("blocked_one", f"open({str(marker)!r}, 'w').close()\n" + GOOD_PLUGIN)
    pm = build_plugin_manager(disabled="blocked_one, something_else")
    assert records(pm)["blocked_one"].status == "blocked"
    assert not marker.exists()
    assert RuleSet(pm).assess(Case(days_since_onset=5, pain=2, symptoms={"night_pain"})).tier == "urgent"


def test_blocking_reads_the_environment(install_plugin, monkeypatch):
    install_plugin("env_blocked", GOOD_PLUGIN)
    monkeypatch.setenv("BACKCOACH_DISABLED_PLUGINS", "env_blocked")
    assert records(build_plugin_manager())["env_blocked"].status == "blocked"


def test_blocking_an_optional_built_in_works_and_an_essential_one_is_an_error():
    pm = build_plugin_manager(disabled="cases")
    assert records(pm)["cases"].status == "blocked" and pm.get_plugin("cases") is None
    with pytest.raises(ValueError, match="red_flags.*cannot be disabled"):
        build_plugin_manager(disabled="red_flags")
    with pytest.raises(ValueError, match="timeline"):
        build_plugin_manager(disabled=["timeline"])


def test_a_plugin_that_fails_to_import_is_recorded_and_the_rest_still_load(install_plugin, caplog):
    install_plugin("broken", "raise ImportError('missing dependency foo')\n")
    install_plugin("night_clinic", GOOD_PLUGIN)
    pm = build_plugin_manager(disabled="")
    recs = records(pm)
    assert recs["broken"].status == "failed" and "missing dependency foo" in recs["broken"].error
    assert recs["night_clinic"].status == "active"
    assert "broken" in caplog.text


def test_a_misspelt_hook_in_an_entry_point_plugin_is_recorded_as_failed(install_plugin):
    install_plugin("typo", """
from rules import hookimpl

@hookimpl
def backcoach_redflags(case):
    return []
""")
    pm = build_plugin_manager(disabled="")
    rec = records(pm)["typo"]
    assert rec.status == "failed" and "backcoach_redflags" in rec.error
    assert pm.get_plugin("typo") is None
    pm.check_pending()  # nothing left behind


def test_an_entry_point_cannot_take_a_built_in_name(install_plugin):
    install_plugin("red_flags", GOOD_PLUGIN)
    pm = build_plugin_manager(disabled="")
    assert pm.get_plugin("red_flags").__name__ == "plugins.red_flags"


def test_entry_points_load_in_sorted_order(install_plugin):
    install_plugin("zeta", GOOD_PLUGIN)
    install_plugin("alpha", GOOD_PLUGIN)
    names = [name for name, _ in build_plugin_manager(disabled="").list_name_plugin()]
    assert names.index("alpha") < names.index("zeta")


def test_a_third_party_catalogue_with_a_duplicate_id_is_a_recorded_problem(install_plugin):
    install_plugin("dup", """
from rules import Stretch, Move, hookimpl

@hookimpl
def backcoach_stretches():
    return [Stretch(id="cat_cow", name="x", synonyms=(), position="x", earliest="rest", stop_if="x",
                    setup=(), moves=(Move("x", 1),), repetitions=1, source="x")]
""")
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert any("duplicate id 'cat_cow'" in p for p in rules.problems)
    assert rules.stretches["cat_cow"].name != "x"


# ------------------------------------------------------------------ typos and the allowlist (issue 18)
def test_a_disabled_name_that_matches_no_plugin_is_warned_about_with_the_real_names(caplog):
    with caplog.at_level("WARNING", logger="rules.manager"):
        build_plugin_manager("advise")
    (warning,) = [r.getMessage() for r in caplog.records if "names no plugin" in r.getMessage()]
    assert "BACKCOACH_DISABLED_PLUGINS names no plugin: advise" in warning and "advice" in warning


def test_an_empty_allowlist_loads_the_built_ins_only(install_plugin):
    install_plugin("extra", "from rules import hookimpl\n\n@hookimpl\ndef backcoach_advice():\n    return []\n")
    everything = plugin_records(build_plugin_manager(""))
    assert {r.name: r.status for r in everything}["extra"] == "active"
    only_builtins = {r.name: r.status for r in plugin_records(build_plugin_manager("", load=""))}
    assert only_builtins["extra"] == "blocked" and only_builtins["red_flags"] == "active"


def test_the_allowlist_names_the_third_party_plugins_to_load(install_plugin, monkeypatch):
    source = "from rules import hookimpl\n\n@hookimpl\ndef backcoach_advice():\n    return []\n"
    install_plugin("wanted", source)
    install_plugin("unwanted", source)
    monkeypatch.setenv("BACKCOACH_LOAD_PLUGINS", "wanted")
    status = {r.name: r.status for r in plugin_records(build_plugin_manager(""))}
    assert status["wanted"] == "active" and status["unwanted"] == "blocked"
