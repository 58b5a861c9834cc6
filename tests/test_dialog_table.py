"""The dialog's decision table (skill/dialog/dispatch.py): complete, without dead states, red flags first."""

from __future__ import annotations

import ast
import re

from layering import ROOT
from skill.dialog import dispatch
from skill.dialog.state import ASKS


def _questions_set_in_code() -> set[str]:
    """Every value a handler assigns to `conv.ask`."""
    found = set()
    for path in (ROOT / "skill" / "dialog").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(ast.unparse(t).endswith("conv.ask") for t in node.targets):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found.add(node.value.value)
    return found


def test_every_pending_question_has_a_row_and_every_row_is_asked_somewhere():
    asked = _questions_set_in_code() | {"onset", "pain", "screen"}  # ask_fact sets these by name
    assert set(dispatch.PENDING) == ASKS, "state.ASKS and dispatch.PENDING must list the same questions"
    assert asked == set(dispatch.PENDING), f"dead rows: {set(dispatch.PENDING) - asked}; unknown: {asked - set(dispatch.PENDING)}"


def test_every_route_is_a_known_intent_of_the_voice_model():
    from skill.voice.model import contract
    intents = set(contract()["intents"])
    routed = {intent for kind, intent in dispatch.ROUTES if kind == dispatch.INTENT}
    assert routed == intents, f"unrouted: {intents - routed}; routed but not in the model: {routed - intents}"


def test_yes_after_anything_else_goes_home_and_no_says_goodbye(device):
    device.launch()
    device.say_intent("ReliefTipsIntent")
    home = device.say_intent("AMAZON.YesIntent")
    assert "what would you like to do" in home.speech.lower() and home.open
    device.say_intent("ReliefTipsIntent")
    bye = device.say_intent("AMAZON.NoIntent")
    assert bye.ended and "goodbye" in bye.speech.lower()


def test_a_red_flag_is_answered_before_the_pending_question(device):
    """While the safety screen waits for yes or no, a reported emergency symptom wins."""
    device.launch()
    screen = device.say_intent("CanIExerciseIntent", daysAgo="3", painLevel="4")
    assert "safety check" in screen.speech.lower() and device.attributes.get("ask") == "screen"
    answer = device.say_intent("ReportSymptomIntent", symptom=("my legs are numb", "numbness_in_both_legs", "SYMPTOM"))
    assert re.search(r"call 911 now", answer.speech, re.I) and answer.ended
