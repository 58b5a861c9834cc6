"""What Alexa says and shows about progress: routines and stretches in the past week, days in a row.

Pure functions over counts; the week screen is an APL document on devices with a screen
(skill/voice/data/progress_apl.json), a card elsewhere. Nothing here is a health fact.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from importlib import resources

from .ssml import Speech
from .texts import Texts

TOKEN = "backcoach-progress"


def week_speech(tx: Texts, routines: int, stretches: int, streak: int) -> Speech:
    """ "You've done 3 routines in the past week. That's 4 days in a row." (the streak from two days)."""
    if routines:
        speech = Speech(tx.line("progress.week_routine_one") if routines == 1
                        else tx.line("progress.week_routines", count=routines))
    elif stretches:
        speech = Speech(tx.line("progress.week_stretch_one") if stretches == 1
                        else tx.line("progress.week_stretches", count=stretches))
    else:
        speech = Speech(tx.line("progress.week_none"))
    if streak >= 2:
        speech.say(tx.line("progress.streak", count=streak))
    return speech


@functools.cache
def progress_document() -> dict:
    """The APL document of the week's progress, read once."""
    return json.loads(resources.files("skill.voice.data").joinpath("progress_apl.json").read_text("utf-8"))


def week_screen(tx: Texts, week: Sequence[tuple[date, bool]], routines: int, streak: int,
                apl: bool) -> tuple[list, tuple[str, str]]:
    """(directives, card) of the past week: a mark per day (oldest first), the routines, the streak."""
    labels = tx.lines("calendar.short_days")
    days = [{"label": labels[day.weekday()], "done": done} for day, done in week]
    routines_line = tx.line("progress.screen_routines", count=routines)
    streak_line = tx.line("progress.screen_streak", count=streak)
    marks = " ".join(f"{d['label']} {'✓' if d['done'] else '-'}" for d in days)
    card = (tx.line("progress.screen_title"), "\n".join((marks, routines_line, streak_line)))
    if not apl:
        return [], card
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    data = {"progress": {"title": tx.line("progress.screen_title"), "days": days,
                         "routines": routines_line, "streak": streak_line}}
    return [RenderDocumentDirective(token=TOKEN, document=progress_document(), datasources={"payload": data})], card
