"""Answers to everyday questions (`backcoach_answers`): built-in content rules, overriding, bad data."""

from __future__ import annotations

import re
import textwrap

import pytest

from rules import (
    AVOID_ITEMS, KNOWN_TOPICS, PLACEHOLDERS, Answer, AnswerLine, Case, RuleSet, build_plugin_manager,
)
from rules.datafiles import DataError, read_answers
from rules.sources import bibliography

#: How the host fills the placeholders, per locale (skill/locales): every variant is checked.
LOCALE_WORDS = [
    {"paracetamol": "acetaminophen", "doctor": "a doctor", "emergency_number": "911",
     "urgent_places": "your doctor's office or an urgent care clinic"},
    {"paracetamol": "paracetamol", "doctor": "a GP", "emergency_number": "999",
     "urgent_places": "your GP surgery"},
]
#: Prescription-only medicines and classes that no answer may name (NICE NG59 and NHS pages name
#: some of them; the product never does).
PRESCRIPTION_DRUGS = (
    "codeine", "dihydrocodeine", "co-codamol", "diazepam", "naproxen", "diclofenac", "tramadol",
    "gabapentin", "pregabalin", "amitriptyline", "duloxetine", "morphine", "oxycodone",
    "fentanyl", "tapentadol", "buprenorphine", "cyclobenzaprine", "methocarbamol", "baclofen",
    "tizanidine", "carisoprodol", "orphenadrine", "celecoxib", "etoricoxib", "meloxicam",
    "prednisolone", "muscle relaxant", "opioid", "benzodiazepine",
)
DOSE = re.compile(r"\d\s*(mg|ml|mcg|g\b|milligram|millilit)|\b(milligrams?|millilitres?|milliliters?)\b", re.I)
COUNT = re.compile(
    r"\b(\d+|one|two|three|four|five|six|half an?|a couple of)\s+(tablets?|pills?|capsules?|caplets?|doses?|sachets?)\b"
    r"|\b(tablets?|pills?|capsules?|doses?)\b[^.]*\d|\bdoses?\b|\btimes a day\b[^.]*\b(tablets?|pills?)\b", re.I)

GOOD_LINE = {"say": "Ask the clinic's pharmacist.", "source": "clinical reference, relief tips",
             "quote": "| Medicines: ask a pharmacist or read the package leaflet; never give doses |"}


def all_lines(rules):
    return [(topic, n, line) for topic, answer in rules.answers.items()
            for n, line in enumerate(answer.lines, 1)]


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_every_topic_has_a_built_in_answer(rules):
    assert set(rules.answers) == set(KNOWN_TOPICS)
    assert set(rules.answered_by.values()) == {"answers"}
    assert all(isinstance(a, Answer) and a.lines for a in rules.answers.values())


def test_only_the_cause_answer_is_not_health_advice(rules):
    assert {t for t, a in rules.answers.items() if not a.health_advice} == {"cause"}


def test_every_line_has_a_source_that_resolves_and_a_quote_from_that_source(rules):
    """Each quote is words the bibliography records for one of the line's own sources."""
    bib = bibliography(rules)
    for topic, n, line in all_lines(rules):
        where = f"{topic} line {n}"
        citations = bib.cite(line.source)
        assert citations and all(c.source for c in citations), f"{where}: {bib.unresolved(line.source)}"
        assert line.quote and all(q.strip() for q in line.quote), where
        cited = {c.source.id: c.source for c in citations}
        recorded = {sid: [norm(q) for q in s.quotes] for sid, s in cited.items()}
        backed = set()
        for quote in line.quote:
            found = [sid for sid, quotes in recorded.items() if any(norm(quote) in q for q in quotes)]
            assert found, f"{where}: quote not recorded for {sorted(cited)}: {quote[:70]!r}"
            backed.update(found)
        assert backed == set(cited), f"{where}: no quote from {sorted(set(cited) - backed)}"


def test_lines_are_short_single_spoken_sentences(rules):
    for topic, n, line in all_lines(rules):
        words = line.say.split()
        assert len(words) <= 25, f"{topic} line {n} has {len(words)} words"
        assert re.fullmatch(r"[A-Z{].*[.?]", line.say), f"{topic} line {n}: {line.say!r}"
        assert len(re.findall(r"[.?!](\s|$)", line.say)) == 1, f"{topic} line {n} is more than one sentence"
        assert not re.search(r"[<>&]|e\.g\.|\bi\.e\.", line.say), f"{topic} line {n}: not plain text"


@pytest.mark.parametrize("words", LOCALE_WORDS, ids=["en-US", "en-GB"])
def test_no_line_gives_a_dose_a_tablet_count_or_a_prescription_medicine(rules, words):
    for topic, n, line in all_lines(rules):
        spoken = line.fill(words)
        assert "{" not in spoken
        assert not DOSE.search(spoken), f"{topic} line {n} gives a dose: {spoken!r}"
        assert not COUNT.search(spoken), f"{topic} line {n} counts tablets or doses: {spoken!r}"
        for drug in PRESCRIPTION_DRUGS:
            assert drug not in spoken.casefold(), f"{topic} line {n} names {drug!r}"


def test_the_painkiller_answer_names_common_kinds_and_sends_people_to_a_pharmacist(rules):
    says = [line.say for line in rules.answers["painkillers"].lines]
    assert any("{paracetamol}" in s and "ibuprofen" in s for s in says)
    assert ("Check with a pharmacist or your doctor first, especially if you take other medicines, "
            "are pregnant, or have stomach, kidney or heart problems.") in says
    us = [line.fill(LOCALE_WORDS[0]) for line in rules.answers["painkillers"].lines]
    assert any("acetaminophen" in s for s in us) and not any("paracetamol" in s for s in us)


def test_heat_or_ice_agrees_with_the_relief_advice_cold_first_then_heat(rules):
    says = " ".join(line.say for line in rules.answers["heat_or_ice"].lines)
    assert says.index("cold pack") < says.index("warmth")
    assert "first 2 or 3 days" in says
    relief = " ".join(rules.advice["cold_then_heat"].say)
    assert "first 2 or 3 days" in relief and relief.index("cold") < relief.index("warmth")


def test_sleep_gives_the_pillow_positions(rules):
    says = " ".join(line.say for line in rules.answers["sleep"].lines)
    assert "pillow between them" in says and "pillow under your knees" in says


def test_sex_answer_carries_the_cauda_equina_red_flag_with_the_emergency_number(rules):
    assert any("{emergency_number}" in line.say and "genitals" in line.say
               for line in rules.answers["sex"].lines)


def test_work_holds_back_heavy_lifting_by_the_same_rule_as_the_ladder(rules):
    work = rules.answers["work"]
    hold_back = next(line for line in work.lines if line.if_avoid == "heavy lifting")
    build_up = next(line for line in work.lines if line.unless_avoid == "heavy lifting")
    early = rules.assess(Case(days_since_onset=3, pain=3))
    assert "heavy lifting" in early.avoid
    assert hold_back in work.lines_today(early) and build_up not in work.lines_today(early)
    healed = rules.assess(Case(days_since_onset=60, pain=0))
    assert "heavy lifting" not in healed.avoid
    assert build_up in work.lines_today(healed) and hold_back not in work.lines_today(healed)
    # A care answer allows nothing: never "build heavy lifting back up" to someone who needs a doctor.
    urgent = rules.assess(Case(days_since_onset=60, pain=0, symptoms={"fever"}))
    assert urgent.tier == "urgent" and "heavy lifting" not in urgent.avoid
    assert build_up not in work.lines_today(urgent) and hold_back in work.lines_today(urgent)


def test_line_conditions_and_placeholders():
    line = AnswerLine("See {doctor} today.", "x", ("y",), unless_avoid="heavy lifting")
    assert line.applies([]) and not line.applies(["heavy lifting"])
    assert line.fill({"doctor": "a GP", "paracetamol": "unused"}) == "See a GP today."
    with pytest.raises(KeyError):
        line.fill({})


# ------------------------------------------------------------------- third-party packs
CLINIC_PACK = """
from rules import Answer, AnswerLine, hookimpl

@hookimpl
def backcoach_answers():
    return [Answer(topic="painkillers", health_advice=True, lines=(
        AnswerLine(say="Ask the clinic's pharmacist before you take anything.",
                   source="clinical reference, relief tips",
                   quote=("| Medicines: ask a pharmacist or read the package leaflet; never give doses |",)),
    ))]
"""


def test_a_third_party_pack_overrides_one_topic_and_the_rule_set_says_so(install_plugin):
    install_plugin("clinic_answers", CLINIC_PACK)
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert rules.answered_by["painkillers"] == "clinic_answers"
    assert [line.say for line in rules.answers["painkillers"].lines] == [
        "Ask the clinic's pharmacist before you take anything."]
    assert {t for t, p in rules.answered_by.items() if p == "answers"} == set(KNOWN_TOPICS) - {"painkillers"}
    assert not rules.problems


def test_the_plugin_registered_last_wins(install_plugin):
    for name, say in (("a_clinic", "First clinic."), ("b_clinic", "Second clinic.")):
        install_plugin(name, CLINIC_PACK.replace("Ask the clinic's pharmacist before you take anything.", say))
    rules = RuleSet(build_plugin_manager(disabled=""))  # entry points register sorted by name
    assert rules.answered_by["painkillers"] == "b_clinic"
    assert rules.answers["painkillers"].lines[0].say == "Second clinic."


def test_blocking_the_built_in_answers_leaves_no_answers():
    rules = RuleSet(build_plugin_manager(disabled="answers", entry_points=False))
    assert rules.answers == {} and rules.answered_by == {}


def toml_pack(entries: str) -> str:
    return textwrap.dedent(f'''
        import tomllib
        from rules import hookimpl
        from rules.datafiles import read_answers

        DOC = tomllib.loads({entries!r})

        @hookimpl
        def backcoach_answers():
            return read_answers(DOC, "clinic.toml")
        ''')


GOOD_TOML = '''
[[answer]]
topic = "work"
health_advice = true
[[answer.line]]
say = "Talk to the clinic's occupational health team."
source = "clinical reference, relief tips"
quote = "| Medicines: ask a pharmacist or read the package leaflet; never give doses |"
'''


@pytest.mark.parametrize("bad, message", [
    (GOOD_TOML.replace('topic = "work"', 'topic = "horoscope"'),
     "clinic.toml [[answer]] #1 (horoscope): 'topic' is 'horoscope', expected one of painkillers"),
    (GOOD_TOML.replace("occupational health team.", "team on {clinic_phone}."),
     "clinic.toml [[answer]] #1 (work) [[line]] #1: 'say' has unknown placeholder(s) {clinic_phone}"),
    (GOOD_TOML.replace("team.", "team {0}."),
     "clinic.toml [[answer]] #1 (work) [[line]] #1: 'say': bad placeholder {0}"),
    (GOOD_TOML.replace('quote = "| Medicines: ask a pharmacist or read the package leaflet; never give doses |"', ""),
     "clinic.toml [[answer]] #1 (work) [[line]] #1: missing field 'quote'"),
    (GOOD_TOML.replace('quote = "| Medicines: ask a pharmacist or read the package leaflet; never give doses |"', "quote = []"),
     "clinic.toml [[answer]] #1 (work) [[line]] #1: 'quote' must be non-empty text or a non-empty list"),
    (GOOD_TOML.replace('source = "clinical reference, relief tips"', ""),
     "clinic.toml [[answer]] #1 (work) [[line]] #1: missing field 'source'"),
    (GOOD_TOML.split("[[answer.line]]")[0],
     "clinic.toml [[answer]] #1 (work): an answer needs at least one [[answer.line]]"),
    (GOOD_TOML.replace("health_advice = true", 'health_advice = true\nif_avoid = "lifting"'),
     "clinic.toml [[answer]] #1 (work): unknown field(s) if_avoid"),
    (GOOD_TOML + 'if_avoid = "lifting"\n',
     "clinic.toml [[answer]] #1 (work) [[line]] #1: 'if_avoid' is 'lifting', expected one of exercise"),
    (GOOD_TOML + GOOD_TOML, "clinic.toml: duplicate topic 'work'"),
])
def test_bad_answer_data_fails_at_build_time_naming_the_file_and_entry(install_plugin, bad, message):
    import tomllib
    with pytest.raises(DataError) as exc:
        read_answers(tomllib.loads(bad), "clinic.toml")
    assert message in str(exc.value)
    # Through a real plugin manager: the pack is refused when the rule set is built, with the same message.
    install_plugin("clinic", toml_pack(bad))
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert any("plugin 'clinic' backcoach_answers" in p and message in p for p in rules.problems), rules.problems
    assert rules.answered_by["work"] == "answers"


def test_a_good_toml_pack_is_used(install_plugin):
    install_plugin("clinic", toml_pack(GOOD_TOML))
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert rules.answered_by["work"] == "clinic" and not rules.problems


def test_bad_built_in_answer_data_stops_start_up(monkeypatch):
    import tomllib

    import plugins.answers
    bad = GOOD_TOML.replace('topic = "work"', 'topic = "weather"')
    monkeypatch.setattr(plugins.answers, "answers", lambda: read_answers(tomllib.loads(bad), "answers.toml"))
    with pytest.raises(ValueError, match=r"answers.toml \[\[answer\]\] #1 \(weather\): 'topic'"):
        RuleSet(build_plugin_manager(disabled="", entry_points=False))


@pytest.mark.parametrize("answer, problem", [
    ("Answer(topic='weather', health_advice=True, lines=(LINE,))", "unknown topic 'weather'"),
    ("Answer(topic='work', health_advice=True, lines=())", "answer 'work' has no lines"),
    ("Answer(topic='work', health_advice=True, lines=(AnswerLine('Hi.', 'x', ()),))", "line 1 needs a quote"),
    ("Answer(topic='work', health_advice=True, lines=(AnswerLine('Hi.', '', ('q',)),))", "line 1 has no source"),
    ("Answer(topic='work', health_advice=True, lines=(AnswerLine('Call {nurse}.', 'x', ('q',)),))",
     "unknown placeholder(s) nurse"),
    ("Answer(topic='work', health_advice=True, lines=(AnswerLine('Hi.', 'x', ('q',), if_avoid='lifting'),))",
     "if_avoid 'lifting' is not an avoid item"),
    ("Answer(topic='work', health_advice='yes', lines=(LINE,))", "health_advice must be true or false"),
    ("[Answer(topic='work', health_advice=True, lines=(LINE,))] * 2", "topic(s) work more than once"),
])
def test_records_a_code_plugin_builds_are_checked_too(install_plugin, answer, problem):
    install_plugin("coded", f"""
from rules import Answer, AnswerLine, hookimpl
LINE = AnswerLine("Hi.", "clinical reference", ("q",))

@hookimpl
def backcoach_answers():
    return {answer}
""")
    rules = RuleSet(build_plugin_manager(disabled=""))
    assert any(p.startswith("plugin 'coded' backcoach_answers") and problem in p for p in rules.problems), rules.problems
    assert "coded" not in rules.answered_by.values()


def test_the_vocabulary_is_what_the_host_knows():
    assert KNOWN_TOPICS == ("painkillers", "recovery_time", "work", "driving", "sleep", "sex",
                            "heat_or_ice", "serious", "cause")
    assert PLACEHOLDERS == {"emergency_number", "paracetamol", "doctor", "urgent_places"}
    assert "heavy lifting" in AVOID_ITEMS
