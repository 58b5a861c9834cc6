"""The understanding evaluation (tests/data/nlu_eval, dev split) through the real resolver and app.

Floors a little under what the resolver reaches today (bench/results/nlu-dev.md), so that a
change that makes understanding worse fails here. The holdout split is never read by the suite.
"""

from __future__ import annotations

import random
import string
from datetime import date

import pytest

from bench.nlu_dialogues import app_factory, conversations, run, what_it_did
from bench.nlu_eval import Tally, score, utterances
from bench.nlu_facts import TODAY
from skill.simulator import resolve
from skill.simulator.resolver import Resolver

#: Dev figures when last measured: intent+facts 100% (253/253), red-flag recall 100% (91/91), 13 of
#: 13 conversations (bench/results/nlu-dev.md). Floors just under: a few misses, one red flag,
#: one conversation.
INTENT_AND_FACTS_FLOOR = 0.98
RED_FLAG_FLOOR = 0.98
CONVERSATIONS_FLOOR = 12


@pytest.fixture(scope="module")
def dev_scores():
    return score(utterances("dev"))


def test_the_dev_split_is_understood(dev_scores):
    tally = Tally.of(dev_scores)
    wrong = [f"{s.item['id']}: {s.item['text']!r} -> {s.intent} {s.facts}" for s in dev_scores if not s.right]
    assert tally.right / tally.n >= INTENT_AND_FACTS_FLOOR, "\n".join(wrong)
    assert tally.flags_right / tally.flags >= RED_FLAG_FLOOR, "\n".join(wrong)


def test_every_emergency_request_of_the_dev_split_reaches_emergency_help(dev_scores):
    missed = [s.item["text"] for s in dev_scores if s.item["class"] == "emergency_help" and not s.right]
    assert not missed


def test_the_dev_conversations_pass_end_to_end(tmp_path):
    make = app_factory(tmp_path)
    results = [run(conversation, make) for conversation in conversations("dev")]
    failed = [f"{r.conversation['id']} turn {n}: {t.say!r} -> {t.intent} {t.facts}, {t.did}"
              for r in results for n, t in enumerate(r.turns, 1) if not (t.understood and t.behaved)]
    assert sum(r.passed for r in results) >= CONVERSATIONS_FLOOR, "\n".join(failed)


@pytest.mark.parametrize("locale,said,asked", [
    ("en-US", "call 911", ("CanIExerciseIntent", "painLevel")),
    ("en-GB", "ring 999 now", ("CanIExerciseIntent", "onsetDate")),
    ("en-AU", "call triple zero", ("CanIExerciseIntent", "painLevel")),
    ("en-IN", "call 108", None),
])
def test_an_emergency_number_is_never_a_pain_score_or_a_date(locale, said, asked):
    r = resolve(said, locale=locale, today=TODAY, elicit=asked)
    assert (r.intent, r.slots) == ("EmergencyHelpIntent", {})


def test_a_red_flag_outranks_the_number_and_the_slot_being_asked_for():
    r = resolve("it's a ten and my chest is really tight", today=TODAY, elicit=("CanIExerciseIntent", "painLevel"))
    assert (r.intent, r.slots) == ("ReportSymptomIntent", {"symptom": "chest_pain", "painLevel": "10"})
    r = resolve("yesterday, I fell off a ladder", today=TODAY, elicit=("CanIExerciseIntent", "onsetDate"))
    assert (r.intent, r.slots) == ("ReportSymptomIntent", {"symptom": "recent_trauma", "onsetDate": "2026-11-22"})


# ------------------------------------------------------------------ bad input
def _long_text() -> str:
    rng = random.Random(7)
    words = ["the", "garden", "was", "lovely", "and", "we", "had", "tea", "with", "my", "aunt", "on", "sunday"]
    return " ".join(rng.choice(words) for _ in range(400))[:2000]


@pytest.mark.parametrize("said", [
    "", "   ", "\n\t", "😫😫😫", "🤦‍♂️💥", "!!!???", "मेरी कमर में बहुत दर्द हो रहा है",
    "j'ai vraiment mal au dos, qu'est-ce que je dois faire", "腰がとても痛いです", "x" * 2000,
    "a " * 1000, "".join(random.Random(3).choice(string.printable) for _ in range(2000)), _long_text(),
    "\x00\x01\x02", "9" * 500,
])
def test_bad_input_gets_the_fallback_never_an_exception(said):
    for asked in (None, ("CanIExerciseIntent", "painLevel"), ("CanIExerciseIntent", "onsetDate")):
        r = resolve(said, locale="en-GB", today=TODAY, elicit=asked)
        assert (r.intent, r.slots) == ("AMAZON.FallbackIntent", {}), (said[:40], asked)


def test_bad_input_reaches_the_app_as_a_fallback(make_app, tmp_path):
    from skill.simulator.device import AppTransport, Device
    device = Device(AppTransport(make_app()), locale="en-US")
    device.say("open back coach")
    for said in ("😫😫😫", "x" * 2000, "¿puedo hacer ejercicio?"):
        turn = device.say(said)
        assert turn.status == 200 and turn.intent == "AMAZON.FallbackIntent"
        assert what_it_did(turn, "en-US") in ("not understood", "ended")


TINY = {"interactionModel": {"languageModel": {
    "invocationName": "tiny skill",
    "intents": [{"name": "OrderIntent", "slots": [{"name": "count", "type": "AMAZON.NUMBER"}],
                 "samples": ["i want {count} cups of tea", "bring me tea", "tea please"]},
                {"name": "AMAZON.StopIntent", "samples": []}],
    "types": [],
}}}


def test_the_trained_models_are_cached_on_disk_by_content(tmp_path, monkeypatch):
    """A second resolver of the same model loads the models from the cache instead of training;
    a changed model has another key."""
    from skill.simulator.nlu import trained as cache
    from skill.simulator.text import builtins
    monkeypatch.setenv("BACKCOACH_NLU_CACHE", str(tmp_path))
    first = Resolver(TINY)
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    monkeypatch.setattr(cache, "train", lambda *a, **k: pytest.fail("trained again"))
    second = Resolver(TINY)
    said = "i want three cups of tea"
    assert second.resolve(said, date(2026, 11, 23)) == first.resolve(said, date(2026, 11, 23))
    assert first.resolve(said, date(2026, 11, 23)).slots == {"count": "3"}
    changed = {"interactionModel": {"languageModel": {**TINY["interactionModel"]["languageModel"],
                                                      "invocationName": "tea helper"}}}
    assert cache.key(changed, builtins()) != cache.key(TINY, builtins())


def test_a_cache_that_cannot_be_written_keeps_the_models_in_memory(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("BACKCOACH_NLU_CACHE", str(blocked / "nlu"))
    assert Resolver(TINY).resolve("tea please", date(2026, 11, 23)).intent == "OrderIntent"
