"""The project's own sources: the bibliography, the resolver, `backcoach sources` and SOURCES.md."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from rules import RuleSet, Source, build_plugin_manager
from rules.datafiles import DataError, read_sources
from rules.sources import Bibliography, bibliography, cited_answers, cited_records, render_markdown, split_source
from skill.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "plugins" / "data"
#: The clinical reference and the seeds live outside the repository (a `shared` folder next to
#: the checkout, or next to its parent for a worktree; BACKCOACH_SHARED overrides).
def _shared() -> Path:
    if "BACKCOACH_SHARED" in os.environ:
        return Path(os.environ["BACKCOACH_SHARED"])
    found = [p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
             if (p / "clinical-reference.md").exists()]
    return found[0] if found else ROOT.parent / "shared"


SHARED = _shared()


def norm(text: str) -> str:
    return " ".join(text.split())


def source_strings(node, where=""):
    """Every `source` string anywhere in a parsed data file, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("source", "default_pain_source") and isinstance(value, str):
                yield where + "." + key, value
            else:
                yield from source_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from source_strings(value, f"{where}[{n}]")


@pytest.fixture(scope="module")
def builtin_rules():
    return RuleSet(build_plugin_manager(disabled="", entry_points=False))


@pytest.fixture(scope="module")
def bib(builtin_rules):
    return bibliography(builtin_rules)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.toml") if p.name != "sources.toml"))
def test_every_source_string_of_every_built_in_data_file_resolves(bib, name):
    found = list(source_strings(tomllib.loads((DATA / name).read_text(encoding="utf-8"))))
    assert found or name == "cases.toml"
    unresolved = {where: bib.unresolved(text) for where, text in found if bib.unresolved(text)}
    assert not unresolved, f"{name}: {unresolved}"


def test_every_record_of_the_rule_set_resolves(builtin_rules):
    records = list(cited_records(builtin_rules))
    assert {r.kind for r in records} == {"symptom", "level", "stage", "stretch", "activity", "advice"}
    assert all(r.citations and all(c.source for c in r.citations) for r in records)
    assert all(r.file.startswith("plugins/data/") for r in records)
    lines = [line for a in cited_answers(builtin_rules) for line in a.lines]
    assert lines and all(c.source for line in lines for c in line.citations)


def test_every_source_of_the_bibliography_is_cited(builtin_rules, bib):
    cited = {c.source.id for r in cited_records(builtin_rules) for c in r.citations}
    cited |= {c.source.id for a in cited_answers(builtin_rules) for line in a.lines for c in line.citations}
    assert set(bib.sources) - cited == set()


def test_the_resolver_splits_parts_and_maps_each_to_a_source(bib):
    ids = lambda text: [c.source.id if c.source else None for c in bib.cite(text)]  # noqa: E731 - short helper
    assert ids("seeds 000, 003, 004") == ["seed_000", "seed_003", "seed_004"]
    assert ids("seed 001") == ["seed_001"]
    assert ids("NHS back pain (999 list); NICE CKS 2018; GIRFT CES") == ["nhs_back_pain", "nice_cks", "girft_ces"]
    assert ids("clinical reference, activity ladder") == ["clinical_reference"]
    assert ids("NHS Inform exercises for back pain; NHS Inform") == ["nhs_inform_exercises", "nhs_inform"]
    assert ids("Mayo Clinic back exercises (knee-to-chest); Mayo Clinic") == ["mayo_back_exercises"] * 2
    assert ids("a blog I read; NHS backache") == [None, None]
    first = bib.cite("NHS back pain (999 list)")[0]
    assert (first.source.title, first.locator) == ("Back pain", "(999 list)")
    assert bib.cite("clinical reference, pain caps")[0].locator == "pain caps"


def test_parts_split_on_semicolons_outside_parentheses_and_quotes():
    assert split_source('a (b; c); d "e; f"; ; g') == ["a (b; c)", 'd "e; f"', "g"]


def test_the_bibliography_is_strict():
    good = {"id": "x", "names": ["X"], "title": "T", "publisher": "P", "kind": "web page", "quotes": ["q"]}
    assert read_sources({"source": [good]}, "s.toml")[0] == Source("x", ("X",), "T", "P", "web page", quotes=("q",))
    cases = [
        ({**good, "url": "nhs.uk/x"}, "'url' must start with https://"),
        ({**good, "names": []}, "'names' must list how records cite this source"),
        ({**good, "quotes": []}, "a source needs 'quotes'"),
        ({**good, "kind": "blog"}, "'kind' is 'blog'"),
        ({**good, "pages": 3}, "unknown field(s) pages"),
    ]
    for entry, message in cases:
        with pytest.raises(DataError, match=r"s\.toml \[\[source\]\] #1 \(x\)"):
            read_sources({"source": [entry]}, "s.toml")
        with pytest.raises(DataError) as exc:
            read_sources({"source": [entry]}, "s.toml")
        assert message in str(exc.value)
    with pytest.raises(DataError, match="name 'x' is claimed by both 'x' and 'y'"):
        read_sources({"source": [good, {**good, "id": "y", "names": ["x"]}]}, "s.toml")


def test_a_pack_can_add_sources_but_not_claim_a_built_in_name(install_plugin):
    install_plugin("clinic_sources", """
from rules import Source, hookimpl

@hookimpl
def backcoach_sources():
    return [Source("clinic_protocol", ("clinic protocol",), "Back pain protocol", "A clinic", "leaflet",
                   quotes=("q",)),
            Source("clinic_nhs", ("NHS back pain",), "Our copy", "A clinic", "leaflet", quotes=("q",))]
""")
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert bibliography(rules).cite("clinic protocol, section 2")[0].source.id == "clinic_protocol"
    assert "clinic_nhs" not in rules.sources
    assert any("name(s) nhs back pain already taken" in p for p in rules.problems)


@pytest.mark.skipif(not (SHARED / "clinical-reference.md").exists(), reason=f"no clinical reference at {SHARED}")
def test_quotes_of_the_reference_and_the_seeds_are_verbatim(bib):
    reference = norm((SHARED / "clinical-reference.md").read_text(encoding="utf-8"))
    seeds = {f"seed_{p.name[:3]}": norm(p.read_text(encoding="utf-8")) for p in (SHARED / "seeds").glob("*.txt")}
    assert len(seeds) == 5
    for source in bib.sources.values():
        for line in source.reference_lines:
            assert norm(line) in reference, f"{source.id}: not in the clinical reference: {line[:80]!r}"
        text = reference if source.id == "clinical_reference" else seeds.get(source.id)
        if text is not None:
            for quote in source.quotes:
                assert norm(quote) in text, f"{source.id}: not in the file: {quote[:80]!r}"


def test_every_source_read_for_the_data_has_a_url(bib):
    """Quotes read on a source come with where they were read; only the reference, the seeds and
    sources known only through the reference have no URL."""
    for source in bib.sources.values():
        if source.quotes and source.kind not in ("clinical reference", "seed article"):
            assert source.url.startswith(("https://", "http://")), source.id


# ----------------------------------------------------------------------------- the command
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sources_prints_each_answer_line_with_its_file_and_citations(capsys):
    code, out, _ = run(capsys, "sources")
    assert code == 0
    assert "painkillers  [answers: plugins/data/answers.toml; health advice]" in out
    assert "cause  [answers: plugins/data/answers.toml; general information]" in out
    assert "Build heavy lifting back up gradually. (only once heavy lifting is allowed)" in out
    assert "https://nice.org.uk/guidance/QS155/chapter/quality-statement-3-self-management" in out
    assert "UNRESOLVED" not in out and "symptom saddle_numbness" not in out


def test_sources_for_one_topic_as_json(capsys):
    code, out, _ = run(capsys, "sources", "--topic", "sleep", "--json")
    data = json.loads(out)
    assert code == 0 and [a["topic"] for a in data["answers"]] == ["sleep"] and "records" not in data
    line = data["answers"][0]["lines"][0]
    assert line["citations"][0]["source"]["id"] == "mayo_sleeping_positions"
    assert line["citations"][0]["source"]["url"].startswith("http")
    assert line["quote"]


def test_sources_all_lists_every_record_kind(capsys):
    code, out, _ = run(capsys, "sources", "--all", "--json")
    records = json.loads(out)["records"]
    assert {r["kind"] for r in records} == {"symptom", "level", "stage", "stretch", "activity", "advice"}
    saddle = next(r for r in records if r["id"] == "saddle_numbness")
    assert saddle["file"] == "plugins/data/red_flags.toml" and saddle["plugin"] == "red_flags"
    assert [c["source"]["id"] for c in saddle["citations"]] == ["nhs_back_pain", "nice_cks", "girft_ces"]
    code, out, _ = run(capsys, "sources", "--all")
    assert "symptom saddle_numbness  [red_flags: plugins/data/red_flags.toml]" in out


def test_sources_for_an_unknown_topic_is_a_clear_error(capsys):
    code, _, err = run(capsys, "sources", "--topic", "weather")
    assert code == 2 and "no answer for 'weather'" in err


def test_sources_shows_a_third_party_answer_and_check_fails_on_an_unsourced_one(capsys, install_plugin):
    install_plugin("clinic", """
from rules import Answer, AnswerLine, hookimpl

@hookimpl
def backcoach_answers():
    return [Answer("driving", (AnswerLine("Ask the clinic.", "our clinic's handbook", ("Ask us.",)),), True)]
""")
    code, out, _ = run(capsys, "sources", "--topic", "driving")
    assert "driving  [clinic: no data file; health advice]" in out and "UNRESOLVED: our clinic's handbook" in out
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "UNSOURCED clinic: answer 'driving' line 1: \"our clinic's handbook\" names no known source" in out


def test_sources_md_is_up_to_date(builtin_rules):
    """SOURCES.md is generated: `backcoach sources --markdown > SOURCES.md` after changing data."""
    committed = (ROOT / "SOURCES.md").read_text(encoding="utf-8")
    assert committed == render_markdown(builtin_rules), (
        "SOURCES.md is stale: run `.venv/bin/backcoach sources --markdown > SOURCES.md`")


def test_sources_markdown_ignores_installed_packs(capsys, install_plugin):
    install_plugin("clinic", """
from rules import Answer, AnswerLine, hookimpl

@hookimpl
def backcoach_answers():
    return [Answer("driving", (AnswerLine("Ask the clinic.", "seed 000", ("x",)),), True)]
""")
    code, out, _ = run(capsys, "sources", "--markdown")
    assert code == 0 and out == (ROOT / "SOURCES.md").read_text(encoding="utf-8")


def test_bibliography_matches_names_case_insensitively_longest_first():
    bib = Bibliography([Source("a", ("NHS",), "A", "P", "web page", quotes=("q",)),
                        Source("b", ("NHS back pain",), "B", "P", "web page", quotes=("q",))])
    assert [c.source.id for c in bib.cite("nhs back pain (urgent list); NHS, somewhere")] == ["b", "a"]
    assert bib.unresolved("NHSX") == ["NHSX"]
