"""A stretch as turns: the full instruction once, short cues after, holds counted, every turn under budget.

A stretch is said in one or more parts (one response each). Part 0 opens with the title, the
stop-if warning and the setup, then "Get into position." and a pause when the first repetition
fits after them (otherwise it ends "Say next when you're in position."); each repetition follows:
the first one (and any the user asks to "repeat") with the full instruction of each move, later
ones with the move's short cue. A timed hold comes after a settle pause; a breath is counted up.
The last part ends with the stretch's one closing line (`finish`), which replaces the final
repetition's trailing release ("Slowly lower your hips ...") so no closer is said twice.

Parts are packed greedily under `timing.SPEECH_BUDGET_SECONDS`, split only where a coach would
pause: between repetitions, or between sides ("Say next for the other side."). Part 0 keeps
`LEAD_RESERVE_SECONDS` free for what may come before it (the routine's introduction), later
parts room for "You're on stretch 2 of 6, pelvic tilt." (said when a saved routine resumes).
A hold of N seconds is N seconds of audio at the standard rate (`skill.voice.timing`): silence,
"10 seconds left." at each multiple of ten, then "3, 2, 1" for holds of 10 seconds or more.
Pure functions of the locale's texts and the stretch record, cached per locale and stretch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rules import Move, Stretch

from . import timing
from .ssml import Speech, strip_ssml
from .texts import Texts

#: Audio kept free in a stretch's first part for what the dialog says before it (the routine's
#: introduction and its safety rules, "This is the first stretch", a symptom's acknowledgement).
LEAD_RESERVE_SECONDS = 25
#: Holds of COUNTED_HOLD seconds or more end with a spoken count from COUNTDOWN down to 1.
COUNTED_HOLD = 10
COUNTDOWN = 3


@dataclass(frozen=True)
class Chunk:
    """Moves said together without a turn in between: one repetition, or one side of it."""

    rep: int
    moves: tuple[Move, ...]
    side: str = ""


@dataclass(frozen=True)
class Part:
    """One turn of a stretch: its chunks, and the prompt that ends it (a `stretch.*` text key)."""

    index: int
    chunks: tuple[Chunk, ...]
    prompt: str
    last: bool


def chunks(stretch: Stretch) -> tuple[Chunk, ...]:
    """The stretch's repetitions, each split where the side changes (right knee, then left)."""
    found: list[Chunk] = []
    for rep in range(1, stretch.repetitions + 1):
        current: list[Move] = []
        side = ""
        for move in stretch.moves:
            if move.side and side and move.side != side and any(m.hold for m in current):
                found.append(Chunk(rep, tuple(current), side))
                current = []
            side = move.side or side
            current.append(move)
        found.append(Chunk(rep, tuple(current), side))
    return tuple(found)


def _prompt(before: Chunk | None, after: Chunk | None) -> str:
    if after is None:
        return "next_prompt"
    if before is None:
        return "in_position"
    if before.side and after.side and before.side != after.side:
        return "next_side"
    return "next_more"


@functools.lru_cache(maxsize=512)
def plan(tx: Texts, stretch: Stretch) -> tuple[Part, ...]:
    """The stretch's parts: as few turns as fit the budget, the first with room for a lead."""
    todo = list(chunks(stretch))
    parts: list[Part] = []
    current: list[Chunk] = []
    while todo:
        index = len(parts)
        budget = timing.SPEECH_BUDGET_SECONDS - (LEAD_RESERVE_SECONDS if index == 0 else _where(tx, stretch))
        candidate = Part(index, (*current, todo[0]), _prompt(todo[0], todo[1] if len(todo) > 1 else None),
                         last=len(todo) == 1)
        if _fits(tx, stretch, candidate, budget) or (not current and index > 0):
            current.append(todo.pop(0))  # a chunk too long for any turn still gets one of its own
            continue
        parts.append(Part(index, tuple(current), _prompt(current[-1] if current else None, todo[0]), False))
        current = []
    parts.append(Part(len(parts), tuple(current), "next_prompt", True))
    return tuple(parts)


def _fits(tx: Texts, stretch: Stretch, part: Part, budget: float) -> bool:
    title = Speech(_title(tx, stretch)) if part.index == 0 else Speech()
    return all(timing.duration(Speech().extend(title).extend(body(tx, stretch, part, full)).ssml) <= budget
               for full in (False, True))


def _where(tx: Texts, stretch: Stretch) -> float:
    """Room for "You're on stretch 2 of 6, pelvic tilt.", said before a later turn on resuming."""
    return timing.speaking_seconds(tx.line("stretch.in_progress", number=10, total=10, name=stretch.name))


def _title(tx: Texts, stretch: Stretch, number: int = 10, total: int = 10) -> str:
    return tx.line("stretch.step_title", number=number, total=total, name=stretch.name)


def part_speech(tx: Texts, stretch: Stretch, number: int, total: int, index: int, full: bool = False) -> Speech:
    """What the coach says for part `index` of the stretch (the `number`-th of `total`), prompt
    included. `full`: the user asked to repeat, so the part's first repetition is said in full."""
    part = plan(tx, stretch)[index]
    speech = Speech(_title(tx, stretch, number, total)) if index == 0 else Speech()
    return speech.extend(body(tx, stretch, part, full))


@functools.lru_cache(maxsize=2048)
def body(tx: Texts, stretch: Stretch, part: Part, full: bool = False) -> Speech:
    """A part after its title: warning and setup (part 0), the chunks, the closing line, the prompt."""
    speech = Speech()
    if part.index == 0:
        speech.say(stretch.stop_if, *stretch.setup)
        if part.chunks:
            speech.say(tx.line("stretch.get_into_position")).pause(stretch.position_seconds)
    first_rep = part.chunks[0].rep if part.chunks else 0
    for number, chunk in enumerate(part.chunks):
        final = part.last and number == len(part.chunks) - 1
        _say_chunk(speech, tx, stretch, chunk, full=chunk.rep == 1 or (full and chunk.rep == first_rep), final=final)
    return speech.say(tx.line(f"stretch.{part.prompt}"))


def _say_chunk(speech: Speech, tx: Texts, stretch: Stretch, chunk: Chunk, full: bool, final: bool) -> None:
    moves = list(chunk.moves)
    closing = ""
    if final and stretch.finish:  # the closing line replaces the trailing release of the last repetition
        while moves and not moves[-1].hold and any(m.hold for m in moves[:-1]):
            moves.pop()
        closing = stretch.finish
    speech.mark(step=" ".join(m.say for m in chunk.moves), rep=chunk.rep, of=stretch.repetitions)
    for move in moves:
        speech.say(move.words(full))
        if move.hold and move.kind == "breath":
            breath(speech, move.hold)
        elif move.hold:
            long_form = full and move.hold >= COUNTED_HOLD
            announce = tx.line("stretch.hold", seconds=move.hold) if long_form else tx.line("stretch.hold_short")
            hold(speech.pause(stretch.settle_seconds), move.hold, announce, tx.template("stretch.left"))
    if closing:
        speech.say(closing)



def _beat(speech: Speech, word: str) -> None:
    """One second of a count: the word and the silence after it, at the standard rate."""
    speech.beat(word, 1.0 - timing.speaking_seconds(word))


def hold(speech: Speech, seconds: int, announce: str, left: str = "{seconds} seconds left.") -> Speech:
    """A timed hold, counted the way a coach counts: `announce` ("Hold." or "Hold for 10
    seconds."), then `seconds` of audio to the end of the count (its words and breaks).

    Holds of 10 seconds or more say `left` ("10 seconds left.") at each multiple of ten and end
    with "3, 2, 1", one second each; shorter holds are silence.
    """
    if seconds <= 0:
        return speech
    speech.say(announce).marker(f"[{seconds} s]").mark(hold=seconds)
    count = COUNTDOWN if seconds >= COUNTED_HOLD else 0
    elapsed = 0.0
    for remaining in range(10 * ((seconds - 1) // 10), count, -10):  # 20, 10 for a 30-second hold
        if seconds - remaining <= elapsed:
            continue
        said = left.format(seconds=remaining)
        speech.pause(seconds - remaining - elapsed).say(said)
        elapsed = seconds - remaining + timing.speaking_seconds(said)
    speech.pause(seconds - count - elapsed)
    for number in range(count, 0, -1):
        _beat(speech, f"{number}." if number == 1 else str(number))  # the count ends a sentence
    return speech


def breath(speech: Speech, seconds: int) -> Speech:
    """A slow breath of `seconds`, counted up: a second of silence, then "2", "3", "4" (the
    instruction before it, "Breathe in", is the "one")."""
    if seconds <= 0:
        return speech
    speech.marker(f"[{seconds} s]").mark(breath=seconds).pause(1)
    for number in range(2, seconds + 1):
        _beat(speech, f"{number}." if number == seconds else str(number))
    return speech


def parts(tx: Texts, stretch: Stretch) -> int:
    """How many turns the stretch takes."""
    return len(plan(tx, stretch))


def is_last_part(tx: Texts, stretch: Stretch, index: int) -> bool:
    return index >= parts(tx, stretch) - 1


def routine_seconds(tx: Texts, stretches: list[Stretch]) -> float:
    """The audio of every turn of every stretch, in order, at the standard rate."""
    total = len(stretches)
    return sum(timing.duration(part_speech(tx, stretch, number, total, index).ssml)
               for number, stretch in enumerate(stretches, 1) for index in range(parts(tx, stretch)))


def repetition_words(tx: Texts, stretch: Stretch, rep: int, full: bool | None = None) -> int:
    """Words spoken for one repetition (cue or full instruction, hold words and counts included),
    as said in a routine: the first in full, later ones as cues, unless `full` says otherwise."""
    speech = Speech()
    for chunk in chunks(stretch):
        if chunk.rep == rep:
            _say_chunk(speech, tx, stretch, chunk, full=rep == 1 if full is None else full, final=False)
    return timing.words(strip_ssml(speech.ssml))
