"""What a screen shows: an APL document on devices that support it, a simple card elsewhere.

Devices announce APL in ``context.System.device.supportedInterfaces`` (read by
`skill.dialog.query`); directives are only sent to those (../shared/alexa-platform.md, section 10).
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from rules import Stretch

from .texts import Texts

TOKEN = "backcoach-stretch"


@functools.cache
def stretch_document() -> dict:
    """The APL document for a stretch step (skill/voice/data/stretch_apl.json), read once."""
    return json.loads(resources.files("skill.voice.data").joinpath("stretch_apl.json").read_text("utf-8"))


@functools.lru_cache(maxsize=512)
def _card_parts(tx: Texts, stretch: Stretch) -> tuple[str, str, str]:
    """(hold, steps, card body) of a stretch: the same every time, built once per locale."""
    longest = max((m.hold for m in stretch.moves), default=0)
    hold = tx.line("stretch.hold", seconds=longest) if longest else ""
    steps = " ".join([*stretch.setup, *(m.say for m in stretch.moves)])
    body = "\n".join(part for part in (stretch.position, hold, steps, stretch.stop_if) if part)
    return hold, steps, body


def stretch_screen(tx: Texts, stretch: Stretch, number: int, total: int,
                   apl: bool) -> tuple[list, tuple[str, str]]:
    """(directives, card) for a stretch step: APL where supported, always a card."""
    title = tx.line("card.stretch_title", number=number, total=total)
    hold, steps, body = _card_parts(tx, stretch)
    card = (f"{title}: {stretch.name}", body)
    if not apl:
        return [], card
    # Imported here: ask-sdk's APL package is large, and only screen devices need it.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    data = {"stretch": {"progress": title, "name": stretch.name, "position": stretch.position,
                        "hold": hold, "steps": steps, "stopIf": stretch.stop_if}}
    directive = RenderDocumentDirective(token=TOKEN, document=stretch_document(),
                                        datasources={"payload": data})
    return [directive], card
