"""Turn raw slot values into facts, or say exactly what is wrong with them.

AMAZON.DATE arrives in several forms (../shared/alexa-platform.md, section 5.2): a day
(``2026-11-20``), ``PRESENT_REF`` ("now"), a week (``2026-W47``, ``2026-W47-WE``), a month, a
year, a decade, a season, or with unspecified parts (``XXXX-11-20``). Alexa resolves a weekday
name to the *coming* day ("Monday" said on a Wednesday is next Monday), while a spasm always
started in the past: a date up to six days ahead is read as the same weekday of the past week, and
a date up to a year ahead as that date last year ("November 20th" said on the 22nd).
AMAZON.NUMBER arrives as digits, sometimes "?" when Alexa could not tell; other clients (and
people typing in the simulator) send words ("three", "twenty one", "minus two"), read with
text2num. Any other text, "nan", "infinity", and numbers too long to mean anything (thousands of
digits) are a problem to re-ask about, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from text_to_num import text2num

_DAY = re.compile(r"^(\d{4}|XXXX)-(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"^([+-]?)0*(\d+?)(?:\.(\d+))?$", re.ASCII)
_WORDS = re.compile(r"^(?:(minus|negative) )?([a-z ]+)$")
MAX_DAYS_AGO = 3650
#: Integer digits past which a number is out of every range the skill asks for.
MAX_DIGITS = 9
#: Longer texts are not number words (text2num would only spend time on them).
MAX_WORDS_LENGTH = 60


@dataclass(frozen=True)
class Parsed:
    """A parsed slot: `value` when it made sense, else `problem` ("invalid", "future", "vague", "range")."""

    value: object = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def number(raw: str | None) -> Parsed:
    """An AMAZON.NUMBER value as an int (decimals rounded half up), from digits or number words.

    More than MAX_DIGITS integer digits: problem "range", with no value (nothing the skill asks
    for is that large, and Python refuses to convert thousands of digits).
    """
    if raw is None:
        return Parsed(problem="invalid")
    text = raw.strip()
    match = _NUMBER.match(text)
    if match is None:
        return _number_words(text)
    sign, whole, fraction = match.groups()
    if len(whole) > MAX_DIGITS:
        return Parsed(problem="range")
    value = int(whole) + (1 if fraction and fraction[0] >= "5" else 0)  # half up, away from zero
    return Parsed(-value if sign == "-" else value)


def _number_words(text: str) -> Parsed:
    """ "three", "twenty-one", "minus two" -> the int; anything else is invalid."""
    text = " ".join(text.lower().replace("-", " ").split())
    match = _WORDS.match(text) if len(text) <= MAX_WORDS_LENGTH else None
    if match is None:
        return Parsed(problem="invalid")
    try:
        value = text2num(match[2], "en")
    except ValueError:
        return Parsed(problem="invalid")
    if len(str(value)) > MAX_DIGITS:
        return Parsed(problem="range")
    return Parsed(-value if match[1] else value)


def bounded(raw: str | None, low: int, high: int) -> Parsed:
    """An AMAZON.NUMBER value that must lie within low..high (problem "range" otherwise)."""
    parsed = number(raw)
    if parsed.ok and not low <= parsed.value <= high:  # type: ignore[operator]
        return Parsed(parsed.value, "range")
    return parsed


def days_ago(raw: str | None, today: date) -> Parsed:
    """The onset date from "N days ago" (a negative N means a day to come: "future")."""
    parsed = bounded(raw, 0, MAX_DAYS_AGO)
    if not parsed.ok:
        future = parsed.problem == "range" and parsed.value is not None and parsed.value < 0
        return Parsed(problem="future" if future else "invalid")
    return Parsed(today - timedelta(days=parsed.value))


def onset_date(raw: str | None, today: date) -> Parsed:
    """The onset date from an AMAZON.DATE value said about the past."""
    if raw is None:
        return Parsed(problem="invalid")
    raw = raw.strip()
    if raw == "PRESENT_REF":
        return Parsed(today)
    match = _DAY.match(raw)
    if not match:
        # a week, weekend, month, year, decade or season: not a day
        return Parsed(problem="vague" if re.match(r"^(\d{4}|\d{3}X|XXXX)", raw) else "invalid")
    year, month, day = match.groups()
    try:
        value = date(today.year if year == "XXXX" else int(year), int(month), int(day))
    except ValueError:
        return Parsed(problem="invalid")
    if value > today:
        ahead = (value - today).days
        if ahead <= 6:
            value -= timedelta(days=7)  # "Monday" resolved to the coming Monday
        elif year == "XXXX" or ahead <= 366:
            value = _last_year(value)  # "November 20th" resolved to the coming one
        else:
            return Parsed(problem="future")
    if (today - value).days > MAX_DAYS_AGO:
        return Parsed(problem="invalid")
    return Parsed(value)


def _last_year(value: date) -> date:
    try:
        return value.replace(year=value.year - 1)
    except ValueError:  # 29 February
        return value.replace(year=value.year - 1, day=28)


def normalise(text: str) -> str:
    """Lower case, apostrophes kept, other punctuation and extra spaces removed."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("’", "'"))
    return " ".join(text.split())
