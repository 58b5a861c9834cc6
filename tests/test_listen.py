"""The pacing heard: responses rendered by espeak-ng agree with their computed length within 10%.

Needs Debian's espeak-ng (apt-get install espeak-ng). Without it the tests that render audio
are skipped with the reason, except under BACKCOACH_REQUIRE_SERVICES=1 (CI), where that is a
failure. Every response of one routine per locale (a different level each) is rendered.
"""

from __future__ import annotations

import io
import re
import shutil
import wave
from pathlib import Path

import pytest

from services import unavailable
from skill.cli import main
from skill.simulator import listen
from skill.simulator.walk import walk
from skill.voice import timing

ROUTINES = {"en-US": 9, "en-GB": 25, "en-CA": 4, "en-AU": 15, "en-IN": 1}


@pytest.fixture(scope="module")
def espeak() -> str:
    found = shutil.which(listen.ESPEAK)
    if found is None:
        unavailable("audio tests", "espeak-ng is not installed (apt-get install espeak-ng)")
    return found


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from skill.app import create_app
    return create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("listen")), "VERIFY_SIGNATURE": False,
                       "LOG_LEVEL": "ERROR"})


@pytest.mark.parametrize("locale", sorted(ROUTINES))
def test_rendered_responses_last_as_long_as_computed_within_ten_percent(espeak, app, tmp_path, locale):
    heard = walk(app, locale=locale, days=ROUTINES[locale], pain=2)
    ratios = []
    for number, h in enumerate(heard):
        rendered = listen.render(h.ssml, tmp_path / f"{number}.wav", locale)
        computed = timing.duration(h.ssml)
        ratios.append(rendered / computed)
        assert abs(rendered / computed - 1) <= 0.10, f"{h.label}: computed {computed:.1f} s, rendered {rendered:.1f} s"
    print(f"\n{locale}: {len(ratios)} responses, rendered/computed {min(ratios):.3f} to {max(ratios):.3f}")


def test_runs_of_breaks_and_a_leading_break_are_heard_in_full(espeak, tmp_path):
    ssml = '<speak><break time="2s"/>Hold. <break time="10s"/> <break time="5s"/>3<break time="600ms"/>Go.</speak>'
    rendered = listen.render(ssml, tmp_path / "breaks.wav")
    assert rendered == pytest.approx(timing.duration(ssml), rel=0.05)
    assert rendered > 17.6, "espeak-ng alone would keep one break of a run and drop the leading one"


def test_for_espeak_adds_up_runs_of_breaks_and_moves_a_leading_one_in_front():
    text, lead = listen.for_espeak('<speak> <break time="1s"/>A <break time="10s"/> <break time="2500ms"/>B</speak>')
    assert lead == 1000 and text == '<speak>A <break time="12500ms"/>B</speak>'
    assert listen.for_espeak("<speak>A.</speak>") == ("<speak>A.</speak>", 0)


def test_backcoach_speak_writes_the_routine_as_one_wav_with_gaps_between_turns(espeak, tmp_path, capsys):
    out = tmp_path / "pelvic.wav"
    assert main(["speak", "--stretch", "pelvic_tilt", "--days", "5", "-o", str(out), "--gap", "1.5"]) == 0
    printed = capsys.readouterr().out
    rows = [line.split() for line in printed.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3, printed  # two turns of the stretch, then "that's your stretch done"
    rendered = [float(row[-1]) for row in rows]
    with wave.open(str(out), "rb") as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds == pytest.approx(sum(rendered) + 1.5 * (len(rows) - 1), abs=0.2)
    assert "routine: 2 turns" in printed and "wrote" in printed


def test_backcoach_speak_without_audio_prints_computed_lengths(tmp_path):
    buffer = io.StringIO()
    from contextlib import redirect_stdout
    with redirect_stdout(buffer):
        assert main(["speak", "--days", "4", "--no-audio", "-o", str(tmp_path / "none.wav")]) == 0
    printed = buffer.getvalue()
    assert re.search(r'announced "about \d+ minutes"', printed) and not Path(tmp_path / "none.wav").exists()
    computed = [float(line.split()[-2]) for line in printed.splitlines() if line.strip()[:1].isdigit()]
    assert max(computed) <= timing.SPEECH_BUDGET_SECONDS and len(computed) > 10
