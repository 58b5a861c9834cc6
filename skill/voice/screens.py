"""What a screen shows: an APL document on devices that support it, a simple card elsewhere.

Devices announce APL in ``context.System.device.supportedInterfaces`` (read by
`skill.dialog.query`); directives are only sent to those (../shared/alexa-platform.md, section 10).

The stretch screen shows the step being said, the repetition ("Repetition 2 of 5") and a hold's
countdown. APL keeps the time itself: when the document is displayed (with the speech), its
``onMount`` runs one ``Sequential`` of ``SetValue`` commands, each changing a bound variable of
the screen after its ``delay``. The ``Sequential`` names its own sequencer: APL's base command
properties say a command with a ``sequencer`` runs in normal mode (delays kept) even when an
event handler starts it, and a ``Sequential``'s commands run on their parent's sequencer.
The delays come from the same computation as the speech (`Speech.timeline`, `skill.voice.timing`),
so the countdown starts as Alexa says "Hold." (at the standard rate).
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from rules import Stretch

from . import timing
from .ssml import Speech
from .texts import Texts

TOKEN = "backcoach-stretch"
SCREEN = "stretchScreen"  # the component whose bound variables the schedule sets
SEQUENCER = "backcoachClock"


@functools.cache
def stretch_document() -> dict:
    """The APL document for a stretch step (skill/voice/data/stretch_apl.json), read once."""
    return json.loads(resources.files("skill.voice.data").joinpath("stretch_apl.json").read_text("utf-8"))


@functools.lru_cache(maxsize=512)
def _card_body(tx: Texts, stretch: Stretch) -> str:
    """A stretch's card: position, longest hold, every step, when to stop; built once per locale."""
    longest = max((m.hold for m in stretch.moves), default=0)
    hold = tx.line("stretch.hold", seconds=longest) if longest else ""
    steps = " ".join([*stretch.setup, *(m.say for m in stretch.moves)])
    return "\n".join(part for part in (stretch.position, hold, steps, stretch.stop_if) if part)


def schedule(tx: Texts, speech: Speech) -> list[tuple[int, str, str]]:
    """(milliseconds from the start, bound variable, value) for the screen, in time order: the
    step and repetition when a repetition starts, each second of a hold (counted down) or a
    breath (counted up), and a blank when it ends."""
    events: list[tuple[int, str, str]] = []
    for at, info in speech.timeline(timing.duration):
        ms = round(at * 1000)
        if "step" in info:
            events.append((ms, "stepText", str(info["step"])))
            events.append((ms, "repText", tx.line("card.repetition", number=info["rep"], total=info["of"])))
        seconds = int(info.get("hold") or info.get("breath") or 0)
        for second in range(seconds):
            shown = seconds - second if "hold" in info else second + 1
            events.append((ms + 1000 * second, "countText", str(shown)))
        if seconds:
            events.append((ms + 1000 * seconds, "countText", ""))
    return sorted(events, key=lambda event: event[0])


def on_mount(tx: Texts, speech: Speech) -> list[dict]:
    """The document's onMount commands: `schedule` as SetValue commands with relative delays."""
    commands, clock = [], 0
    for ms, name, value in schedule(tx, speech):
        commands.append({"type": "SetValue", "componentId": SCREEN, "property": name, "value": value,
                         "delay": ms - clock})
        clock = ms
    return [{"type": "Sequential", "sequencer": SEQUENCER, "commands": commands}] if commands else []


def stretch_screen(tx: Texts, stretch: Stretch, number: int, total: int, apl: bool,
                   speech: Speech | None = None) -> tuple[list, tuple[str, str]]:
    """(directives, card) for a stretch turn: APL where supported (timed to `speech`), always a card."""
    title = tx.line("card.stretch_title", number=number, total=total)
    card = (f"{title}: {stretch.name}", _card_body(tx, stretch))
    if not apl:
        return [], card
    # Imported here: ask-sdk's APL package is large, and only screen devices need it.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    data = {"stretch": {"progress": title, "name": stretch.name, "position": stretch.position,
                        "step": " ".join(stretch.setup), "stopIf": stretch.stop_if}}
    document = dict(stretch_document())
    mount = on_mount(tx, speech) if speech is not None else []
    if mount:
        document["onMount"] = mount
    directive = RenderDocumentDirective(token=TOKEN, document=document, datasources={"payload": data})
    return [directive], card
