"""``backcoach chat``: talk to the skill in a terminal as if to an Echo, or run a script of turns.

Each line is an utterance (resolved with the interaction model, sent as a real request) or a
command: ``:new`` (new session, same user), ``:days +3`` (move the clock), ``:locale en-GB``,
``:quit``. In a script (``--script FILE``) blank lines and ``#`` comments are skipped; typed
interactively, an empty line opens the skill (or, in a session, is silence).

In process by default: a real app from ``create_app`` with verification off (``--verify`` turns
it on and signs every request with a throw-away test authority), on the default instance folder
or ``--db``. ``--url`` talks to a running server instead: unsigned, or signed with
``--sign-with DIR`` (see `skill.simulator.authority` for starting a server that accepts them).
A verifying server also checks that a request's timestamp is within 150 seconds of its own
clock, so after ``:days`` it refuses signed requests (in process, ``--verify`` follows the clock).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import envelopes as env
from .authority import CACHE, ROOT, read_authority, write_authority
from .device import AppTransport, Device, HttpTransport, Exchange

if TYPE_CHECKING:
    from flask import Flask

PROMPT = "you> "
QUIT = frozenset({":quit", ":q", ":exit"})


def run(args: argparse.Namespace, out: TextIO, create_app: Callable[[dict], Flask]) -> int:
    """Run the chat; 1 when the skill refused a request (non-200), else 0.

    `create_app`: the application factory for the in-process app (`skill.app.create_app`).
    """
    if args.make_test_ca:
        return make_test_ca(Path(args.make_test_ca), out)
    device, where = _device(args, create_app)
    out.write(f"Back Coach simulator: {where}, {args.locale}. Commands: :new, :days +N, :locale xx-YY, :quit\n")
    failed = False
    for line in _script(Path(args.script)) if args.script else _typed(out):
        if args.script:
            out.write(f"{PROMPT}{line}\n")
        if line.strip() in QUIT:
            break
        if line.startswith(":"):
            try:
                out.write(f"  [{device.command(line)}]\n")
            except ValueError as exc:
                out.write(f"  [{exc}]\n")
            continue
        turn = device.say(line)
        show(turn, out, trace=args.trace)
        failed = failed or turn.error is not None
    device.end_session()
    return 1 if failed else 0


def show(turn: Exchange, out: TextIO, trace: bool = False) -> None:
    """Print a turn: the resolution (with `trace`), Alexa's speech, reprompt, directives, card, session."""
    r = turn.resolution
    if trace and r is not None:
        sample = f' "{r.sample}"' if r.sample else ""
        out.write(f"  intent: {r.intent or 'LaunchRequest'} {json.dumps(r.slots)} "
                  f"({r.how} {r.confidence:.2f}{sample})\n")
    if turn.note:
        out.write(f"  {turn.note}\n")
    if turn.error:
        out.write(f"  [refused: {turn.error}]\n")
        return
    if turn.speech:
        out.write(f"alexa> {turn.speech}\n")
    if turn.reprompt:
        out.write(f"  (reprompt) {turn.reprompt}\n")
    for directive in turn.directives:
        slot = directive.get("slotToElicit")
        out.write(f"  [{directive.get('type')}{f' {slot}' if slot else ''}]\n")
    if turn.card:
        out.write(f"  (card) {turn.card.get('title', '')}\n")
    out.write("  [session open]\n" if turn.open else "  [session ended]\n")
    if trace and turn.trace:
        out.write("".join(f"    {line}\n" for line in turn.trace.splitlines()))


def make_test_ca(directory: Path, out: TextIO) -> int:
    """Write a test authority for ``--sign-with`` and say how to start a server that trusts it."""
    write_authority(directory)
    out.write(f"wrote a test certificate authority to {directory}\n"
              f"start the server with:\n"
              f"  BACKCOACH_SKILL_ID={env.SKILL_ID} BACKCOACH_TRUSTED_CA_FILE={directory / ROOT} "
              f"BACKCOACH_CERT_CACHE_DIR={directory / CACHE} backcoach serve\n"
              f"then: backcoach chat --url http://127.0.0.1:8000/alexa --sign-with {directory}\n")
    return 0


def _device(args: argparse.Namespace, create_app: Callable[[dict], Flask]) -> tuple[Device, str]:
    """The device and a description of where it sends requests."""
    options = {"locale": args.locale, "apl": args.apl, "user_id": args.user, "trace": args.trace}
    if args.url:
        sign = read_authority(Path(args.sign_with)).sign if args.sign_with else None
        where = f"{args.url} ({'signed' if sign else 'unsigned'})"
        return Device(HttpTransport(args.url, args.timeout), sign=sign, **options), where
    from skill.simulator.signing import make_test_authority

    config: dict = {"VERIFY_SIGNATURE": False, "LOG_LEVEL": "ERROR"}  # ERROR: keep the transcript readable
    if args.db:
        config["DATABASE_URL"] = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    device: Device  # assigned below, before the app's first request reads the clock
    authority = make_test_authority() if args.verify else None
    with tempfile.TemporaryDirectory(prefix="backcoach-chat-") as folder:
        if authority is not None:
            config.update(VERIFY_SIGNATURE=True, SKILL_ID=env.SKILL_ID, CERT_FETCHER=authority.fetcher(),
                          TRUSTED_CA_FILE=str(authority.write_root(Path(folder) / ROOT)),
                          CLOCK=lambda: device.now())  # the device's clock, moved by :days
        app = create_app(config)
    device = Device(AppTransport(app), rules=app.extensions["backcoach"]["rules"],
                    sign=authority.sign if authority else None, **options)
    url = app.config["DATABASE_URL"]
    database = url if url.startswith("sqlite") else "PostgreSQL"  # a PostgreSQL URL may hold a password
    return device, f"in process ({'signed' if authority else 'unsigned'}, {database})"


def _script(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _typed(out: TextIO) -> Iterator[str]:
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            out.write("\n")
            return
