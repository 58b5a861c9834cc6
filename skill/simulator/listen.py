"""Hear the pacing: the skill's SSML rendered to WAV with espeak-ng (a Debian package), breaks honoured.

espeak-ng reads SSML with ``-m``. Measured on espeak-ng 1.51 (Debian 12), three things differ
from Alexa, and `for_espeak` rewrites the SSML for them:

* several ``<break>`` tags in a row are not added up (espeak keeps one of them): a run of breaks
  becomes one break of the total (espeak honours a single break of 20 s);
* a ``<break>`` before any word is dropped: it becomes silence added in front of the audio;
* ``<prosody rate>`` stretches the breaks inside it as well as the words, so the speaking rate is
  set with ``-s`` instead, and the SSML the skill makes has no ``<prosody>``.

``SPEEDS`` is the ``-s`` value at which espeak-ng speaks the skill's prose at the standard
rate of `skill.voice.timing` (150 words a minute, sentence pauses included): at 125, 62 words
of stretch instructions took 24.6 s, 151 words a minute. `backcoach speak` prints, for every
response it renders, the computed and the rendered seconds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterable
from pathlib import Path

ESPEAK = "espeak-ng"
#: espeak-ng's voice for each locale of the skill (it has no Australian or Indian English voice),
#: and the ``-s`` speed at which that voice matches the standard rate.
VOICES = {"en-US": "en-us", "en-CA": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb"}
SPEEDS = {"en-us": 127, "en-gb": 122}
_BREAK = re.compile(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>')
_BREAK_RUN = re.compile(r'<break\s+time="[^"]+"\s*/>(?:\s*<break\s+time="[^"]+"\s*/>)+')
_LEADING = re.compile(r'^<speak>\s*<break\s+time="(\d+)ms"\s*/>')


class EspeakMissing(ValueError):
    """espeak-ng is not installed (apt-get install espeak-ng); the command line says so in one line."""


def espeak() -> str:
    """The espeak-ng executable, or EspeakMissing saying how to install it."""
    found = shutil.which(ESPEAK)
    if found is None:
        raise EspeakMissing("espeak-ng is not installed: apt-get install espeak-ng (or use --no-audio)")
    return found


def _millis(tag: str) -> int:
    return sum(round(float(n) * (1 if unit == "ms" else 1000)) for n, unit in _BREAK.findall(tag))


def for_espeak(ssml: str) -> tuple[str, int]:
    """(SSML espeak-ng renders as Alexa would, milliseconds of silence to put in front of it)."""
    merged = _BREAK_RUN.sub(lambda match: f'<break time="{_millis(match.group())}ms"/>', ssml)
    merged = _BREAK.sub(lambda match: f'<break time="{_millis(match.group())}ms"/>', merged)
    leading = _LEADING.match(merged)
    if leading is None:
        return merged, 0
    return "<speak>" + merged[leading.end():], int(leading.group(1))


def render(ssml: str, path: Path, locale: str = "en-US", speed: int | None = None) -> float:
    """Render `ssml` (a ``<speak>`` document) to the WAV file `path`; returns its seconds."""
    text, silence_ms = for_espeak(ssml)
    voice = VOICES.get(locale, "en-us")
    speed = speed or SPEEDS[voice]
    subprocess.run([espeak(), "-m", "-v", voice, "-s", str(speed), "-w", str(path), text],
                   check=True, capture_output=True, timeout=60)
    if silence_ms:
        join([path], path, lead_ms=silence_ms)
    return seconds(path)


def seconds(path: Path) -> float:
    """The length of a WAV file."""
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def join(paths: Iterable[Path], out: Path, gap: float = 0.0, lead_ms: int = 0) -> float:
    """Concatenate WAV files of one format into `out`, with `gap` seconds of silence between
    them (the user saying "next") and `lead_ms` before the first; returns the seconds written."""
    frames, params = [], None
    for path in paths:
        with wave.open(str(path), "rb") as audio:
            params = params or audio.getparams()
            frames.append(audio.readframes(audio.getnframes()))
    if params is None:
        raise ValueError("nothing to join")
    rate, width, channels = params.framerate, params.sampwidth, params.nchannels
    silence = b"\0" * width * channels

    def quiet(seconds_: float) -> bytes:
        return silence * round(seconds_ * rate)

    with wave.open(str(out), "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(width)
        audio.setframerate(rate)
        audio.writeframes(quiet(lead_ms / 1000) + quiet(gap).join(frames))
    return seconds(out)


def render_all(ssmls: list[str], out: Path, locale: str = "en-US", gap: float = 2.0,
               speed: int | None = None) -> list[float]:
    """Render each SSML document, write them one after another to `out`; the seconds of each."""
    with tempfile.TemporaryDirectory(prefix="backcoach-speak-") as folder:
        parts = [Path(folder) / f"{n:03d}.wav" for n in range(len(ssmls))]
        lengths = [render(ssml, part, locale, speed) for ssml, part in zip(ssmls, parts)]
        join(parts, out, gap)
    return lengths
