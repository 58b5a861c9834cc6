"""Coaching that sounds like a coach (issue 16), measured on every response the real app says.

Each routine of routines.toml, and each stretch on its own, is walked through the app (start,
then "next", and "repeat" after every turn) in every locale; each response's length is computed
from its SSML (`skill.voice.timing`: words at the standard rate, sentence and comma pauses,
breaks). Nothing here is timed: durations are computed, and `test_listen.py` checks them
against audio rendered by espeak-ng.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from alexa import Echo
from rules import default_rules
from skill.simulator.walk import routine_turns, walk
from skill.voice import pacing, timing
from skill.voice.ssml import response_problems, strip_ssml
from skill.voice.texts import LOCALES, texts

#: One case per routine of routines.toml (its level), and cases whose symptoms shorten them.
CASES = {"rest": dict(days=1), "gentle_stretching": dict(days=4), "light_activity": dict(days=9),
         "low_impact_exercise": dict(days=15), "gradual_return": dict(days=25), "normal": dict(days=50),
         "gradual_return, sciatica": dict(days=25, symptoms=["pain_down_leg"])}
STRETCHES = sorted(default_rules().stretches)
HOLD = re.compile(r"Hold(?: for (\d+) seconds)?\.")
#: The hold window: breaks, counted numbers and "N seconds left.", up to the next word said.
WINDOW = re.compile(r'(?:\s*(?:<break time="\d+(?:ms|s)"/>|\d+ seconds left\.|\d+\.?))+')


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from skill.app import create_app
    return create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("pacing")), "VERIFY_SIGNATURE": False,
                       "USER_KEY_SECRET": "0123456789abcdef0123456789abcdef", "LOG_LEVEL": "ERROR"})


@pytest.fixture(scope="module")
def walks(app):
    """(locale, routine or stretch) -> every response of its walk, "repeat" after each turn."""
    found = {}
    for locale in LOCALES:
        for name, case in CASES.items():
            found[locale, name] = walk(app, locale=locale, repeats=True, pain=2, **case)
        for stretch in STRETCHES:
            found[locale, stretch] = walk(app, locale=locale, days=60, pain=0, stretch=stretch, repeats=True)
    return found


def test_no_response_of_any_routine_or_stretch_in_any_locale_is_over_the_budget(walks):
    longest = {}
    for (locale, name), heard in walks.items():
        assert len(heard) > 2
        for h in heard:
            seconds = timing.duration(h.ssml)
            assert seconds <= timing.SPEECH_BUDGET_SECONDS, f"{locale} {name} {h.label}: {seconds:.1f} s\n{h.ssml}"
            assert response_problems(h.body) == [], (locale, name, h.label)  # Alexa's SSML limits too
            # several <break>s in a row are undocumented on Alexa (../shared/alexa-platform.md, 3)
            assert not re.search(r'<break time="[^"]+"/>\s*<break', h.ssml), (locale, name, h.label)
        longest[locale, name] = max(timing.duration(h.ssml) for h in heard)
    assert len(longest) == len(LOCALES) * (len(CASES) + len(STRETCHES))
    print("\nlongest response (s):", {k: round(v, 1) for k, v in longest.items() if k[1] in CASES})


def test_resuming_in_the_middle_of_a_stretch_stays_within_the_budget(client):
    device = Echo(client)
    device.say_intent("ReportOnsetIntent", daysAgo="25")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    device.say_intent("AMAZON.YesIntent")
    device.next_stretch()
    for _ in range(2):
        middle = device.say_intent("AMAZON.NextIntent")
    assert middle.attributes["routine"].get("p") == 2
    device.end_session()
    resumed = device.say_intent("AMAZON.ResumeIntent")
    assert resumed.speech.startswith("You're on stretch 2 of") and resumed.speech.endswith(middle.speech)
    assert timing.duration(resumed.ssml) <= timing.SPEECH_BUDGET_SECONDS


@pytest.mark.parametrize("locale", LOCALES)
def test_every_repetition_after_the_first_is_a_cue_of_at_most_a_third_of_its_words(locale):
    tx = texts(locale)
    for stretch in default_rules().stretches.values():
        first = pacing.repetition_words(tx, stretch, 1)
        later = [pacing.repetition_words(tx, stretch, rep) for rep in range(2, stretch.repetitions + 1)]
        assert later and all(3 * words <= first for words in later), (stretch.id, first, later)
        assert pacing.repetition_words(tx, stretch, 2, full=True) == first, "repeat says it in full again"


def test_the_full_instruction_is_said_once_and_cues_after_it(walks):
    for (locale, name), heard in walks.items():
        if name not in STRETCHES:
            continue
        stretch = default_rules().stretches[name]
        said = " ".join(strip_ssml(h.ssml) for h in heard if h.what != "repeat")
        for move in stretch.moves:
            if move.hold:
                assert said.count(move.say) == 1, (locale, name, move.say)
                assert said.count(move.cue) >= stretch.repetitions - 1, (locale, name, move.cue)


def _windows(ssml: str) -> list[tuple[int | None, float, str]]:
    """(seconds the announcement names, seconds of audio after it, the SSML before it) per hold."""
    found = []
    for match in HOLD.finditer(ssml):
        window = WINDOW.match(ssml, match.end())
        found.append((int(match[1]) if match[1] else None, timing.duration(window.group() if window else ""),
                      ssml[:match.start()]))
    return found


def test_every_hold_is_its_seconds_of_audio_after_a_settle_pause(walks):
    checked = 0
    for (locale, name), heard in walks.items():
        if name not in STRETCHES:
            continue
        stretch = default_rules().stretches[name]
        holds = [m.hold for m in stretch.moves if m.hold and m.kind == "hold"]
        windows = [w for h in heard if h.what != "repeat" for w in _windows(h.ssml)]
        assert len(windows) == len(holds) * stretch.repetitions, (name, len(windows))
        for number, (named, seconds, before) in enumerate(windows):
            expected = holds[number % len(holds)]
            assert seconds == pytest.approx(expected, abs=0.002), (locale, name, number, seconds)
            assert named in (None, expected)
            assert before.rstrip().endswith(f'<break time="{stretch.settle_seconds}s"/>'), "settle first"
            checked += 1
    assert checked > 200


def test_getting_into_position_comes_before_the_first_hold(walks):
    for (locale, name), heard in walks.items():
        if name not in STRETCHES:
            continue
        stretch = default_rules().stretches[name]
        opening = heard[0].ssml
        if "Get into position." in opening:
            assert f'Get into position. <break time="{stretch.position_seconds}s"/>' in opening
        else:
            assert opening.endswith("Say next when you&apos;re in position.</speak>"), opening


def test_one_closing_line_per_stretch(walks):
    for (locale, name), heard in walks.items():
        if name not in STRETCHES:
            continue
        stretch = default_rules().stretches[name]
        last = [h for h in heard if h.what == "next"][-2] if len(heard) > 2 else heard[0]  # before "done"
        text = strip_ssml(last.ssml)
        assert text.count(stretch.finish) == 1
        tail = text.rsplit(stretch.finish, 1)[1].strip()
        assert tail == "Say next when you're ready.", (name, tail)
        before = text.rsplit(stretch.finish, 1)[0]
        trailing = [m for m in stretch.moves[::-1]][: next(i for i, m in enumerate(stretch.moves[::-1]) if m.hold)]
        for move in trailing:  # the last repetition's release is replaced by the closing line
            assert not before.rstrip().endswith(move.words(False)), (name, move)


def _announced_seconds(speech: str) -> float:
    match = re.search(r"It takes about (half a minute|1 minute|(\d+)( and a half)? minutes)\.", speech)
    assert match, speech
    if match[1] == "half a minute":
        return 30.0
    if match[1] == "1 minute":
        return 60.0
    return 60 * int(match[2]) + (30 if match[3] else 0)


def test_the_announced_length_of_each_routine_is_its_computed_audio_within_ten_percent(walks):
    figures = {}
    for (locale, name), heard in walks.items():
        if name not in CASES or name == "rest":
            continue
        computed = sum(timing.duration(h.ssml) for h in routine_turns(heard))
        announced = _announced_seconds(strip_ssml(heard[0].ssml))
        assert abs(announced - computed) <= 0.1 * computed, (locale, name, announced, computed)
        figures[name] = (announced / 60, round(computed / 60, 2))
    print("\nannounced vs computed minutes:", figures)


def test_a_long_stretch_pauses_between_sides(walks):
    heard = walks["en-US", "seated_hamstring_stretch"]
    said = [strip_ssml(h.ssml) for h in heard if h.what == "next"]
    assert any(s.endswith("Say next for the other side.") for s in said)
    prompts = defaultdict(int)
    for s in said:
        prompts[s.rsplit(".", 2)[-2].strip()] += 1
    assert prompts


def test_every_repeated_move_has_a_short_cue_in_the_data():
    for stretch in default_rules().stretches.values():
        for move in stretch.moves:
            assert move.cue, (stretch.id, move.say)
            assert timing.words(move.cue) < timing.words(move.say) or move.cue == move.say, (stretch.id, move.cue)


def test_the_screen_shows_the_step_the_repetition_and_a_countdown_in_time_with_the_speech(app):
    heard = walk(app, days=25, pain=0, apl=True)  # cat-cow first: every timed move is a hold
    checked = 0
    for h in heard[:-1]:
        document = h.directive("Alexa.Presentation.APL.RenderDocument")["document"]
        screen = document["mainTemplate"]["items"][0]
        bound = {b["name"] for b in screen["bind"]}
        windows = _windows(h.ssml)
        if not windows:
            assert "onMount" not in document
            continue
        [sequence] = document["onMount"]
        assert sequence["type"] == "Sequential" and sequence["sequencer"], "normal mode: delays are kept"
        clock, events = 0, []
        for command in sequence["commands"]:
            assert command["type"] == "SetValue" and command["componentId"] == screen["id"]
            assert command["property"] in bound and command["delay"] >= 0
            clock += command["delay"]
            events.append((clock, command["property"], command["value"]))
        counts = [(ms, value) for ms, name, value in events if name == "countText"]
        starts = [(ms, int(value)) for (ms, value), (_, before) in zip(counts, [(0, ""), *counts]) if value and not before]
        expected = []
        for match in HOLD.finditer(h.ssml):
            rest = h.ssml[match.end():]
            seconds = round(timing.duration(WINDOW.match(rest).group()))
            expected.append((round(1000 * timing.duration(h.ssml[:match.end()], rest)), seconds))
        assert [n for _, n in starts] == [n for _, n in expected], h.label
        assert all(abs(got - want) <= 2 for (got, _), (want, _) in zip(starts, expected)), (h.label, starts, expected)
        for ms, seconds in starts:  # one number a second, down to 1, then blank
            run = [(t, v) for t, v in counts if ms <= t <= ms + 1000 * seconds]
            assert run == [(ms + 1000 * k, str(seconds - k)) for k in range(seconds)] + [(ms + 1000 * seconds, "")]
        reps = [value for _, name, value in events if name == "repText"]
        assert reps and all(re.fullmatch(r"Repetition \d of \d", r) for r in reps)
        checked += len(starts)
    assert checked >= 20


def test_the_breathing_exercise_never_says_hold_its_breath(walks):
    """Issue 12, point 8: breathe out through the effort, never hold the breath (clinical
    reference, breathing script); breaths are counted, not held."""
    checked = 0
    for (locale, name), heard in walks.items():
        if name != "diaphragmatic_breathing":
            continue
        said = " ".join(strip_ssml(h.ssml) for h in heard if h.stretch == name)
        assert "breathe in" in said.lower() and "breathe out" in said.lower(), (locale, said)
        assert not re.search(r"\bhold\b", said, re.I), (locale, said)
        checked += 1
    assert checked == len(LOCALES)
