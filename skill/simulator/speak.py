"""``backcoach speak``: hear a routine as the skill says it, and see each turn's computed length.

Walks today's routine for a case (or one stretch) through the app in process (`walk`), prints
each response's length computed from its SSML (`skill.voice.timing`) and, unless ``--no-audio``,
the length espeak-ng renders it at (`listen`), and writes the audio to a WAV file, with a short
silence between turns where the user would say "next". ``--ssml`` renders one SSML document.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from skill.voice import timing
from skill.voice.ssml import strip_ssml

from . import listen
from .walk import Heard, routine_turns, walk

if TYPE_CHECKING:
    from flask import Flask


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, default=9, help="days since the spasm started (default 9)")
    p.add_argument("--pain", type=int, default=2, help="pain from 0 to 10 (default 2)")
    p.add_argument("--symptom", action="append", default=[], metavar="ID", help="a symptom id (repeatable)")
    p.add_argument("--stretch", metavar="ID", help="one stretch instead of today's routine, e.g. bridge")
    p.add_argument("--locale", default="en-US", help="en-US, en-GB, en-CA, en-AU or en-IN (default en-US)")
    p.add_argument("--repeats", action="store_true", help='also say "repeat" after every turn')
    p.add_argument("--turn", type=int, metavar="N", help="only the N-th response (1 is the start)")
    p.add_argument("--ssml", metavar="TEXT", help="render this SSML (<speak>...</speak>) instead of a routine")
    p.add_argument("-o", "--out", type=Path, default=Path("backcoach-speak.wav"), help="the WAV file to write")
    p.add_argument("--gap", type=float, default=2.0, help="seconds of silence between turns (default 2)")
    p.add_argument("--no-audio", action="store_true", help="only print the computed lengths (no espeak-ng)")


def run(args: argparse.Namespace, out: TextIO, create_app: Callable[[dict], Flask]) -> int:
    if args.ssml:
        return _one(args.ssml, args, out)
    with tempfile.TemporaryDirectory(prefix="backcoach-speak-") as folder:
        app = create_app({"VERIFY_SIGNATURE": False, "LOG_LEVEL": "ERROR", "INSTANCE_PATH": folder})
        if args.stretch and args.stretch not in app.extensions["backcoach"]["rules"].stretches:
            raise ValueError(f"no stretch {args.stretch!r}: see backcoach stretches")
        heard = walk(app, locale=args.locale, days=args.days, pain=args.pain, symptoms=args.symptom,
                     stretch=args.stretch, repeats=args.repeats)
    if args.turn is not None and not 1 <= args.turn <= len(heard):
        raise ValueError(f"--turn {args.turn}: this walk has turns 1 to {len(heard)}")
    chosen = heard if args.turn is None else heard[args.turn - 1:args.turn]
    rendered = (None if args.no_audio else
                listen.render_all([h.ssml for h in chosen], args.out, args.locale, gap=args.gap))
    out.write(f"{'#':>3}  {'turn':<44} {'computed':>9} {'espeak-ng':>10}\n")
    first = 1 if args.turn is None else args.turn
    for number, h in enumerate(chosen, first):
        seconds = f"{rendered[number - first]:9.1f}" if rendered else f"{'-':>9}"
        out.write(f"{number:>3}  {h.label:<44} {timing.duration(h.ssml):9.1f} {seconds:>10}\n")
    if args.turn is None:
        _summary(heard, out)
    if rendered:
        out.write(f"wrote {args.out} ({listen.seconds(args.out) / 60:.1f} min, {args.gap:g} s between turns)\n")
    return 0


def _summary(heard: list[Heard], out: TextIO) -> None:
    turns = routine_turns(heard)
    total = sum(timing.duration(h.ssml) for h in turns)
    longest = max(timing.duration(h.ssml) for h in heard)
    announced = re.search(r"It takes about ([^.]+)\.", strip_ssml(heard[0].ssml))
    said = f', announced "about {announced[1]}"' if announced else ""
    out.write(f"routine: {len(turns)} turns, {total / 60:.2f} min of audio computed{said}; "
              f"longest response {longest:.1f} s (budget {timing.SPEECH_BUDGET_SECONDS} s)\n")


def _one(ssml: str, args: argparse.Namespace, out: TextIO) -> int:
    if not ssml.lstrip().startswith("<speak"):
        ssml = f"<speak>{ssml}</speak>"
    out.write(f"computed {timing.duration(ssml):.1f} s\n")
    if not args.no_audio:
        out.write(f"espeak-ng {listen.render(ssml, args.out, args.locale):.1f} s: wrote {args.out}\n")
    return 0
