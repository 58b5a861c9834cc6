"""Whole conversations in tests/conversations/*.yaml, typed through the simulator to the real app.

Each file is a list of turns: `say` (an utterance, or a command such as ``:new``, ``:days +2``,
``:locale en-GB``) and what to expect: `intent` (``LaunchRequest`` for a launch), `slots` (a
subset), `says` / `not_says` (fragments, case-insensitive), `open` (the session stays open),
`elicits` (the slot of a Dialog.ElicitSlot). Every answer must also follow Alexa's speech rules.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from werkzeug.serving import make_server

from skill.cli import main
from skill.simulator import envelopes as env
from skill.simulator.authority import CACHE, ROOT, read_authority, write_authority
from skill.simulator.device import AppTransport, Device, HttpTransport, Exchange, readable
from skill.voice.ssml import response_problems

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # a Monday
CONVERSATIONS = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))


def device_for(app, **options) -> Device:
    return Device(AppTransport(app), now=NOW, rules=app.extensions["backcoach"]["rules"], **options)


def check(step: dict, turn: Exchange) -> list[str]:
    """What in `turn` differs from the expectations of `step`."""
    problems = [f"speech rules: {p}" for p in response_problems(turn.body)]
    if turn.error:
        problems.append(f"refused: {turn.error}")
    speech = f"{turn.speech} {turn.reprompt}".lower()
    if "intent" in step and (turn.intent or "LaunchRequest") != step["intent"]:
        problems.append(f"intent {turn.intent!r}, expected {step['intent']!r}")
    for name, value in (step.get("slots") or {}).items():
        if turn.slots.get(name) != str(value):
            problems.append(f"slot {name}={turn.slots.get(name)!r}, expected {value!r}")
    problems += [f"does not say {f!r}" for f in _list(step.get("says")) if f.lower() not in speech]
    problems += [f"says {f!r}" for f in _list(step.get("not_says")) if f.lower() in speech]
    if "open" in step and turn.open != step["open"]:
        problems.append(f"session {'open' if turn.open else 'ended'}, expected {'open' if step['open'] else 'ended'}")
    if "elicits" in step and turn.elicits != step["elicits"]:
        problems.append(f"elicits {turn.elicits!r}, expected {step['elicits']!r}")
    return problems


def _list(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else [str(v) for v in value]


@pytest.mark.parametrize("path", CONVERSATIONS, ids=lambda p: p.stem)
def test_conversation(make_app, path):
    device = device_for(make_app(), trace=True)
    transcript: list[str] = []
    for number, step in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")), 1):
        said = str(step["say"])
        if said.startswith(":"):
            transcript.append(f"{said}  [{device.command(said)}]")
            continue
        turn = device.say(said)
        transcript.append(f"you> {said}  [{turn.intent} {turn.slots}]\nalexa> {turn.speech}")
        problems = check(step, turn)
        assert not problems, (f"{path.name}, turn {number} ({said!r}): " + "; ".join(problems)
                              + "\n\n" + "\n".join(transcript) + f"\n\nrules:\n{turn.trace}")


def test_the_main_journeys_have_conversations():
    names = {p.stem for p in CONVERSATIONS}
    assert {"first_launch", "can_i_exercise", "red_flag_mid_stretch", "routine_pause_resume", "forget_me"} <= names


# ------------------------------------------------------------------ the device
def test_pauses_are_shown_with_their_length():
    ssml = '<speak>Hold. <break time="10s"/> <break time="5s"/>3<break time="600ms"/>2 done &amp; relax</speak>'
    assert readable(ssml) == "Hold. [15 s] 3 [0.6 s] 2 done & relax"


def test_session_attributes_carry_over_and_an_elicited_answer_keeps_the_earlier_slots(make_app):
    device = device_for(make_app())
    device.say("can i go swimming")
    assert device.elicit == ("CanIExerciseIntent", "onsetDate")
    turn = device.say("two days ago")
    slots = turn.request["request"]["intent"]["slots"]
    assert slots["daysAgo"]["value"] == "2" and turn.request["request"]["dialogState"] == "IN_PROGRESS"
    assert turn.request["session"]["attributes"]["goal"] == "exercise"
    assert turn.elicits == "painLevel"
    final = device.say("five")
    assert final.request["request"]["intent"]["slots"]["daysAgo"]["value"] == "2"


def test_a_new_session_keeps_the_user_and_ends_the_old_session(make_app):
    device = device_for(make_app())
    user = device.user_id
    device.say("open back coach")
    session = device.session_id
    device.command(":new")
    assert device.session_id is None and device.user_id == user
    assert device.last is not None and device.last.request["request"]["type"] == "SessionEndedRequest"
    device.say("open back coach")
    assert device.session_id != session


def test_silence_repeats_the_reprompt_then_ends_the_session(make_app):
    device = device_for(make_app())
    first = device.say("")
    assert first.request["request"]["type"] == "LaunchRequest"
    again = device.say("")
    assert again.note and again.speech == first.reprompt and again.open
    assert device.say("").request["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"
    assert not device.in_session


def test_the_clock_moves_the_request_timestamps(make_app):
    device = device_for(make_app())
    assert "today is 2026-11-25" in device.command(":days +2")
    assert device.say("open back coach").request["request"]["timestamp"] == "2026-11-25T15:00:00Z"
    with pytest.raises(ValueError):
        device.command(":days soon")
    with pytest.raises(ValueError):
        device.command(":dance")


def test_a_launch_phrase_inside_a_session_is_not_a_launch(make_app):
    device = device_for(make_app())
    device.say("open back coach")
    assert device.say("open back coach").intent == "AMAZON.FallbackIntent"


# ------------------------------------------------------------------ signed requests and HTTP
def test_signed_requests_reach_a_server_that_trusts_the_written_authority(make_app, tmp_path):
    """What `backcoach chat --make-test-ca` documents: root + pre-filled certificate cache, no download."""
    write_authority(tmp_path / "ca")
    authority = read_authority(tmp_path / "ca")

    def no_download(url: str) -> bytes:
        raise AssertionError(f"the server tried to download {url}")

    app = make_app(VERIFY_SIGNATURE=True, SKILL_ID=env.SKILL_ID, CERT_FETCHER=no_download,
                   TRUSTED_CA_FILE=str(tmp_path / "ca" / ROOT), CERT_CACHE_DIR=str(tmp_path / "ca" / CACHE))
    signed = Device(AppTransport(app), sign=authority.sign)
    assert "not a doctor" in signed.say("open back coach").speech
    unsigned = Device(AppTransport(app))
    assert unsigned.say("open back coach").error


def test_http_transport_talks_to_a_running_server(make_app):
    server = make_server("127.0.0.1", 0, make_app())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        device = Device(HttpTransport(f"http://127.0.0.1:{server.server_port}/alexa", timeout=5), now=NOW)
        turn = device.say("open back coach")
        assert turn.status == 200 and "not a doctor" in turn.speech and turn.open
        assert HttpTransport(f"http://127.0.0.1:{server.server_port}/nowhere", timeout=5).post(b"{}", {})[0] == 404
    finally:
        server.shutdown()
        thread.join()


# ------------------------------------------------------------------ backcoach chat
def test_chat_runs_a_script(tmp_path, capsys):
    script = tmp_path / "turns.txt"
    script.write_text("# a comment\nopen back coach\ncan i exercise\n:days +1\nstop\n:quit\nnever reached\n")
    code = main(["chat", "--script", str(script), "--db", str(tmp_path / "chat.sqlite3"), "--trace"])
    out = capsys.readouterr().out
    assert code == 0
    assert "you> open back coach\n  intent: LaunchRequest {} (launch 1.00" in out
    assert "\nalexa> Welcome to Back Coach." in out
    assert "  [Dialog.ElicitSlot onsetDate]\n  [session open]" in out
    assert "intent: CanIExerciseIntent {} (exact 1.00" in out and "tier: self_care" in out
    assert "[session ended]" in out and "never reached" not in out


def test_chat_signs_requests_in_process_with_verify(tmp_path, capsys):
    script = tmp_path / "turns.txt"
    script.write_text("open back coach\n:days +3\nhelp\n")
    assert main(["chat", "--verify", "--script", str(script), "--db", str(tmp_path / "c.sqlite3")]) == 0
    out = capsys.readouterr().out
    assert "in process (signed" in out and "refused" not in out and out.count("alexa>") == 2


def test_make_test_ca_writes_what_sign_with_reads(tmp_path):
    out = io.StringIO()
    from skill.simulator.chat import make_test_ca
    assert make_test_ca(tmp_path / "ca", out) == 0
    assert "BACKCOACH_TRUSTED_CA_FILE" in out.getvalue()
    assert read_authority(tmp_path / "ca").sign(b"{}")
    with pytest.raises(ValueError):
        read_authority(tmp_path / "nowhere")


def test_chat_trace_of_a_resumed_routine_says_it_was_chosen_in_an_earlier_session(tmp_path, capsys):
    """Issue 18: a resumed routine beside this session's empty case must not look like a routine
    chosen on "rest, onset unknown"."""
    from skill.simulator.device import RESUMED_NOTE
    script = tmp_path / "turns.txt"
    script.write_text("guide me through a stretch\nit started 4 days ago\ntwo\nno\nstop\n:new\nresume my stretches\n")
    assert main(["chat", "--script", str(script), "--db", str(tmp_path / "chat.sqlite3"), "--trace"]) == 0
    out = capsys.readouterr().out
    before, _, after = out.partition("you> resume my stretches")
    assert "Stretch 1 of" in before and RESUMED_NOTE not in before
    assert "Stretch 1 of" in after and RESUMED_NOTE in after
