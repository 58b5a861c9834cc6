"""The architecture, checked: imports run one way, developer tools stay out of production, modules stay small.

Read from the source with `ast` (tests/layering.py), so a forbidden import fails here even when
no test happens to execute it.
"""

from __future__ import annotations

import ast

import pytest

from layering import ROOT, graph, imports, longest_chain, modules

MAX_FLOORS = 8
MAX_LINES = 420
#: What each layer of skill/ may import of skill/ (besides itself); "rules" and "plugins" too.
ALLOWED = {
    "skill.voice": {"rules"},
    "skill.backends": {"rules"},
    "skill.dialog": {"skill.voice", "skill.backends", "rules"},
    "skill.edge": {"skill.dialog.turn", "skill.backends.store", "skill.backends.outbound", "rules"},
}
#: Production modules that may import the developer tools, inside a function only (the command line).
DEV_ENTRY_POINTS = {"skill.cli"}


def _ours(target: str) -> str | None:
    root = target.split(".")[0]
    return target if root in ("skill", "rules", "plugins") else None


def _imported(package: str):
    for name, path in modules(package).items():
        for target, line, top in imports(name, path):
            yield name, target, line, top


def test_rules_import_neither_the_skill_nor_flask_nor_ask_sdk():
    bad = [(name, target, line) for name, target, line, _ in _imported("rules")
           if target.split(".")[0] in ("skill", "plugins", "flask", "werkzeug", "ask_sdk_core",
                                       "ask_sdk_model", "ask_sdk_runtime")]
    assert not bad, f"rules must stay pure: {bad}"


def test_plugins_import_only_rules_of_ours():
    bad = [(name, target, line) for name, target, line, _ in _imported("plugins")
           if (_ours(target) or "").split(".")[0] in ("skill",)
           or target.split(".")[0] in ("flask", "ask_sdk_core", "ask_sdk_model")]
    assert not bad, f"plugins may use rules only: {bad}"


def test_the_skill_never_imports_the_plugins():
    bad = [(name, target) for name, target, _, _ in _imported("skill") if target.split(".")[0] == "plugins"]
    assert not bad, f"the skill reaches plugins only through the rule layer: {bad}"


def test_production_code_never_imports_the_developer_tools():
    bad = []
    for name, target, line, top in _imported("skill"):
        if name.startswith("skill.simulator") or not target.startswith("skill.simulator"):
            continue
        if name in DEV_ENTRY_POINTS and not top:
            continue  # `backcoach chat` and the console of `backcoach serve`, imported when used
        bad.append((name, line, target))
    assert not bad, f"production modules import skill.simulator: {bad}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_lies_below_it(layer):
    edges = graph()
    bad = []
    for name, targets in edges.items():
        if not name.startswith(layer):
            continue
        for target in targets:
            if target.startswith(layer) or target == "skill":
                continue
            if not any(target == allowed or target.startswith(allowed + ".") for allowed in ALLOWED[layer]):
                bad.append(f"{name} -> {target}")
    assert not bad, f"{layer} reaches outside its layer: {bad}"


def test_the_import_chain_is_at_most_eight_floors_with_no_cycle():
    chain = longest_chain()  # raises on a cycle; `rules` counts as one floor
    assert len(chain) <= MAX_FLOORS, " -> ".join(chain)


def test_every_package_says_what_lives_there_and_what_it_may_import():
    for package in ("skill", "skill/edge", "skill/dialog", "skill/voice", "skill/backends", "skill/simulator"):
        doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
        assert doc and len(doc.split()) >= 15, f"{package}/__init__.py needs a docstring"
        if package != "skill":
            assert "import" in doc, f"{package}/__init__.py should say what it may import"


def test_no_module_is_over_about_four_hundred_lines():
    long = {str(path.relative_to(ROOT)): n for package in ("skill", "rules", "plugins")
            for path in modules(package).values() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these by concern: {long}"


def test_the_layering_test_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The scan itself: a voice module importing the dialog is an arrow back up."""
    import layering

    fake = tmp_path / "skill" / "voice"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("def f():\n    from ..dialog import turn\n")
    (tmp_path / "skill" / "__init__.py").write_text("")
    (tmp_path / "skill" / "dialog").mkdir()
    (tmp_path / "skill" / "dialog" / "__init__.py").write_text("")
    (tmp_path / "skill" / "dialog" / "turn.py").write_text("")
    monkeypatch.setattr(layering, "ROOT", tmp_path)
    layering.graph.cache_clear()
    try:
        assert "skill.dialog.turn" in layering.graph()["skill.voice.bad"]
    finally:
        layering.graph.cache_clear()
