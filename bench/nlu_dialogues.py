"""Multi-turn conversations of the evaluation, typed through the resolver to the real app.

Each conversation runs on a fresh app (SQLite in a temporary folder, verification off) and a
simulated device (`skill.simulator.device.Device`) on Monday 23 November 2026, in its locale.
A turn passes when the resolver reads it right (intent and facts, as in `bench/nlu_eval.py`)
and the skill does what the turn's `expect` says:

asks       the session stays open on a question that is not an answer (a fact, the safety
           screen, which symptom, what to do after a launch), or a slot is elicited
answer     an answer: it ends with an offer or "anything else?", or the session ends after it;
           the see-a-doctor-today answer counts (a red flag said earlier comes first)
stretch    a guided routine is in progress
ended      the session ends, not with an emergency answer
emergency  the emergency answer (the locale's "get help now" card)
urgent     the see-a-doctor-today answer
any        whatever the skill says, as long as it answers (HTTP 200)

A conversation passes when every turn does.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bench.nlu_facts import facts_of, intent_right, labelled
from skill.simulator.device import AppTransport, Device, Exchange
from skill.voice.texts import texts

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "nlu_eval"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # Monday 23 November 2026
#: Pending questions that ask for something (session attributes' "ask").
ASKING = frozenset({"onset", "pain", "screen", "which_symptom", "clarify", "hurt_screen", "checkin",
                    "resume", "forget"})
#: Pending questions that follow an answer.
OFFERS = frozenset({"anything_else", "offer_stretch", "start_routine"})


def conversation_file(split: str) -> Path:
    """conversations-<split>.yaml of the evaluation, or tests/data/nlu_<split>_conversations.yaml of
    an engineer's extra set."""
    own = DATA / f"conversations-{split}.yaml"
    return own if own.exists() else DATA.parent / f"nlu_{split}_conversations.yaml"


def conversations(split: str) -> list[dict]:
    return yaml.safe_load(conversation_file(split).read_text(encoding="utf-8"))


def what_it_did(turn: Exchange, locale: str) -> str:
    """What the skill's reply was, in the evaluation's words (see the module docstring)."""
    tx = texts(locale)
    title = (turn.card or {}).get("title")
    if title == tx.line("card.emergency_title"):
        return "emergency"
    if title == tx.line("card.urgent_title"):
        return "urgent"
    if not turn.open:
        return "ended"
    asked = turn.attributes.get("ask")
    if turn.attributes.get("routine"):
        return "stretch"
    if turn.speech.startswith(tx.line("fallback.first")):
        return "not understood"
    if turn.elicits or asked in ASKING:
        return "asks"
    if asked in OFFERS:
        return "answer"
    return "asks"  # open, nothing pending: the launch's or home's "what would you like to do?"


def expectation_met(expect: str, did: str) -> bool:
    if expect == "any":
        return True
    if expect == "answer":  # a see-a-doctor-today answer is an answer too (a red flag is known)
        return did in ("answer", "ended", "urgent")
    return expect == did


@dataclass(frozen=True)
class TurnResult:
    say: str
    step: dict
    intent: str
    facts: dict
    did: str
    understood: bool
    behaved: bool


@dataclass(frozen=True)
class DialogueResult:
    conversation: dict
    turns: list[TurnResult]

    @property
    def passed(self) -> bool:
        return all(t.understood and t.behaved for t in self.turns)

    @property
    def behaved(self) -> bool:
        return all(t.behaved for t in self.turns)


def run(conversation: dict, make_app) -> DialogueResult:
    """One conversation on a fresh app: each turn as far as the first one that fails, and on."""
    locale = conversation["locale"]
    device = Device(AppTransport(make_app()), locale=locale, now=NOW)
    results = []
    for step in conversation["turns"]:
        elicit = device.elicit
        turn = device.say(str(step["say"]))
        r = turn.resolution
        did = what_it_did(turn, locale) if turn.status == 200 else f"HTTP {turn.status}"
        understood = r is not None and intent_right(r, step["intent"], elicit) and \
            facts_of(r, device.today()) == labelled(step.get("facts"))
        results.append(TurnResult(str(step["say"]), step, "LaunchRequest" if r is None or r.intent is None
                                  else r.intent, facts_of(r, device.today()) if r else {}, did, understood,
                                  turn.status == 200 and expectation_met(step["expect"], did)))
    return DialogueResult(conversation, results)


def app_factory(folder: Path):
    """A function that builds a fresh app per conversation, each with its own SQLite file."""
    from skill.app import create_app
    count = iter(range(10**6))

    def make():
        return create_app({"INSTANCE_PATH": str(folder / f"app{next(count)}"), "VERIFY_SIGNATURE": False,
                           "USER_KEY_SECRET": "0123456789abcdef0123456789abcdef", "CONSOLE": False,
                           "LOG_LEVEL": "ERROR"})
    return make


def run_all(items: list[dict]) -> list[DialogueResult]:
    with tempfile.TemporaryDirectory(prefix="backcoach-nlu-") as folder:
        make = app_factory(Path(folder))
        return [run(conversation, make) for conversation in items]


def dialogue_lines(results: list[DialogueResult]) -> list[str]:
    turns = [t for r in results for t in r.turns]
    lines = ["## Conversations through the resolver and the real app", "",
             f"{sum(r.passed for r in results)}/{len(results)} conversations pass end to end (every turn "
             f"understood and answered as expected); {sum(r.behaved for r in results)}/{len(results)} "
             "do what was expected at every turn.", "",
             f"Turns: {sum(t.understood for t in turns)}/{len(turns)} understood, "
             f"{sum(t.behaved for t in turns)}/{len(turns)} answered as expected.", "",
             "| conversation | locale | turns | passed |", "|---|---|---:|---|"]
    for r in results:
        good = sum(t.understood and t.behaved for t in r.turns)
        lines.append(f"| {r.conversation['id']} | {r.conversation['locale']} | {good}/{len(r.turns)} | "
                     f"{'yes' if r.passed else 'no'} |")
    return [*lines, ""]


def dialogue_misses(results: list[DialogueResult]) -> str:
    out = []
    for r in results:
        for number, t in enumerate(r.turns, 1):
            if not (t.understood and t.behaved):
                out.append(f"{r.conversation['id']} turn {number} {t.say!r}: want {t.step['intent']} "
                           f"{labelled(t.step.get('facts'))} -> {t.step['expect']}; got {t.intent} {t.facts} "
                           f"-> {t.did}")
    return "\n".join(out)
