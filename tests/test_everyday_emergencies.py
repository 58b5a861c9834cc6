"""Every everyday emergency reaches the emergency answer, in any state (issue 13).

Typed through the resolver to the real app (`skill.simulator.device.Device`), in each locale,
the phrasings of tests/data/everyday_emergencies.yaml (urgent help asked for in everyday words,
and emergency red flags said in everyday words) get the locale's emergency answer: said as the
first thing, after the launch, while the onset or the pain score is asked, and mid-stretch.
Each state is reached once per locale; every phrasing is said to a copy of that device.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bench.nlu_dialogues import what_it_did
from skill.simulator.device import AppTransport, Device

DATA = Path(__file__).parent / "data" / "everyday_emergencies.yaml"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
PHRASINGS = yaml.safe_load(DATA.read_text(encoding="utf-8"))
#: How each state is reached, and what the device is waiting for there.
STATES = {
    "first": ([], None),
    "launched": (["open back coach"], None),
    "onset asked": (["open back coach", "can I exercise"], ("CanIExerciseIntent", "onsetDate")),
    "pain asked": (["open back coach", "can I exercise", "three days ago"], ("CanIExerciseIntent", "painLevel")),
    "mid-stretch": (["open back coach", "start my stretches", "four days ago", "about a two", "no"], None),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from bench.nlu_dialogues import app_factory
    return app_factory(tmp_path_factory.mktemp("emergencies"))()


def _device_in(app, locale: str, state: str) -> Device:
    device = Device(AppTransport(app), locale=locale, now=NOW)
    said, waiting = STATES[state]
    for text in said:
        device.say(text)
    assert device.elicit == waiting, (locale, state)
    if state == "mid-stretch":
        assert device.attributes.get("routine"), locale
    return device


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("locale", sorted(PHRASINGS))
def test_everyday_emergencies_get_the_emergency_answer_in_any_state(app, locale, state):
    ready = _device_in(app, locale, state)
    missed = []
    for kind in ("help", "red_flags"):
        for text in PHRASINGS[locale][kind]:
            device = copy.copy(ready)
            device.attributes = copy.deepcopy(ready.attributes)
            device.pending_slots = copy.deepcopy(ready.pending_slots)
            turn = device.say(text)
            did = what_it_did(turn, locale)
            if did != "emergency":
                r = turn.resolution
                missed.append(f"{text!r}: {r.intent if r else None} {r.slots if r else ''} -> {did}")
    assert not missed, "\n".join(missed)
