"""AMAZON.NUMBER and AMAZON.DATE: read a spoken phrase into the value Alexa sends, or find them in text.

Values as in ../shared/alexa-platform.md, section 5: numbers as digits ("6", "-3"); a day as
``2026-11-20``, ``PRESENT_REF`` for "now", a week ``2026-W47``, a weekend ``2026-W47-WE``, a
month ``2026-11``, a season ``2026-WI``; a day of the month said without the month ("on the
16th") is that day of this month. Alexa resolves a date without a year, and a bare weekday, to a date on or
after today ("monday" said on a Sunday is tomorrow); "last monday" is in the past. The words
come from builtins.toml; phrases arrive in the canonical form of `skill.simulator.text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from text_to_num import alpha2digit

_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?|first|second"
#: A day of the month said without the month ("on the 16th"): digits with an ordinal ending only.
_DAY_NUMBER = r"\d{1,2}(?:st|nd|rd|th)"


@dataclass(frozen=True)
class Span:
    """Where a value was found in a text: [start, end) and the value Alexa would send."""

    start: int
    end: int
    value: str


def longest_first(found: Iterable[Span]) -> list[Span]:
    """`found` without the spans that overlap a longer one, in the order of the text."""
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def _alternatives(phrases: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


class NumberReader:
    """AMAZON.NUMBER: "twenty one" -> "21", "minus three" -> "-3", "6" -> "6"."""

    def __init__(self, words: Mapping) -> None:
        self.negative = frozenset(words["negative"])
        number = rf"(?:\d+(?:\.\d+)?|{_alternatives(words['small'])})"
        self._finder = re.compile(rf"\b(?:(?:{_alternatives(self.negative)}) )?{number}\b")

    def read(self, phrase: str) -> str | None:
        """The value of a phrase that is one number and nothing else, else None."""
        parts = phrase.split()
        sign = ""
        if len(parts) > 1 and parts[0] in self.negative:
            sign, parts = "-", parts[1:]
        text = alpha2digit(" ".join(parts), "en", threshold=0) if parts else ""
        if not _DIGITS.fullmatch(text):
            return None
        return sign + (str(int(text)) if text.isdigit() else text)

    def find(self, text: str) -> list[Span]:
        """Every number in `text`."""
        found = []
        for match in self._finder.finditer(text):
            value = self.read(match.group())
            if value is not None:
                found.append(Span(match.start(), match.end(), value))
        return found


class DateReader:
    """AMAZON.DATE: relative days, "N days ago", weekdays, "november 20th", ISO dates, weeks, months."""

    def __init__(self, words: Mapping) -> None:
        names = words["names"]
        self.weekdays = {name: i for i, name in enumerate(names["weekdays"])}
        self.months = {name: i + 1 for i, name in enumerate(names["months"])}
        self.present = frozenset(words["present"])
        self.days: dict[str, int] = dict(words["days"])
        self.units: dict[str, int] = dict(names["units"])
        self.coarse_units: dict[str, str] = dict(names["coarse_units"])
        self.weeks: dict[str, int] = dict(names["weeks"])
        self.weekends: dict[str, int] = dict(names["weekends"])
        self.month_offsets: dict[str, int] = dict(names["month_offsets"])
        self.counts: dict[str, int] = dict(names["counts"])
        self.seasons: dict[str, str] = dict(names.get("seasons", {}))
        self.modifiers = {**{m: "coming" for m in names["coming"]},
                          **{m: "following" for m in names["following"]},
                          **{m: "previous" for m in names["previous"]}}
        weekday, month, weeks = _alternatives(self.weekdays), _alternatives(self.months), _alternatives(self.weeks)
        fixed = [*self.present, *self.days, *self.weeks, *self.weekends, *self.month_offsets]
        count = rf"(?P<n>\d+|{_alternatives(self.counts)})"
        units, ago, since = _alternatives(self.units), _alternatives(names["ago"]), _alternatives(names["since"])
        self._grammar = [
            (re.compile(rf"(?P<phrase>{_alternatives(fixed)})"), self._fixed),
            (re.compile(rf"{count} (?P<unit>{units}) (?:{ago})"), self._ago),
            (re.compile(rf"(?:{since}) {count} (?P<unit>{units})"), self._ago),
            (re.compile(rf"{count} (?P<unit>{_alternatives(self.coarse_units)}) (?:{ago})"), self._coarse_ago),
            (re.compile(rf"(?P<weekday>{weekday}) (?:of )?(?P<week>{weeks})"), self._weekday_of_week),
            (re.compile(rf"(?P<week>{weeks}) (?:on )?(?P<weekday>{weekday})"), self._weekday_of_week),
            (re.compile(rf"(?:(?P<mod>{_alternatives(self.modifiers)}) )?(?P<weekday>{weekday})"),
             self._weekday),
            (re.compile(rf"(?:on )?(?:the )?(?P<day>{_ORDINAL}) (?:of )?(?P<month>{month})"
                        r"(?: (?P<year>\d{4}))?"), self._day_of_month),
            (re.compile(rf"(?:on )?(?P<month>{month}) (?:the )?(?P<day>{_ORDINAL})(?: (?P<year>\d{{4}}))?"),
             self._day_of_month),
            (re.compile(r"(?P<year>\d{4}) (?P<month>\d{1,2}) (?P<day>\d{1,2})"), self._iso),
            (re.compile(rf"(?:in )?(?P<month>{month})"), self._month),
            (re.compile(rf"(?:on|since|from|around|about) (?:the )?(?P<day>{_DAY_NUMBER})(?: of (?:this|the) month)?"),
             self._day_of_this_month),
            (re.compile(rf"the (?P<day>{_DAY_NUMBER})(?: of (?:this|the) month)?(?= (?:and|but|so|i|it|or)\b|$)"),
             self._day_of_this_month),
        ]
        if self.seasons:
            season_words = _alternatives(names.get("season_words", ()))
            self._grammar.append((re.compile(rf"(?P<mod>{season_words}) (?P<season>{_alternatives(self.seasons)})"),
                                  self._season))
        self._finders = [re.compile(rf"\b(?:{rule.pattern})\b") for rule, _ in self._grammar]

    # ------------------------------------------------------------------ reading
    def read(self, phrase: str, today: date) -> str | None:
        """The value of a phrase that is one date and nothing else, else None."""
        for rule, convert in self._grammar:
            match = rule.fullmatch(phrase)
            if match:
                return convert(match, today)
        return None

    def find(self, text: str, today: date) -> list[Span]:
        """The dates in `text`, longest first where they overlap."""
        found = []
        for finder in self._finders:
            for match in finder.finditer(text):
                value = self.read(match.group(), today)
                if value is not None:
                    found.append(Span(match.start(), match.end(), value))
        return longest_first(found)

    # ------------------------------------------------------------------ the grammar's values
    def _fixed(self, match: re.Match, today: date) -> str:
        phrase = match["phrase"]
        if phrase in self.present:
            return "PRESENT_REF"
        if phrase in self.days:
            return (today + timedelta(days=self.days[phrase])).isoformat()
        if phrase in self.month_offsets:
            index = today.year * 12 + today.month - 1 + self.month_offsets[phrase]
            return f"{index // 12:04d}-{index % 12 + 1:02d}"
        weekend = phrase in self.weekends
        offset = self.weekends[phrase] if weekend else self.weeks[phrase]
        year, week, _ = (today + timedelta(weeks=offset)).isocalendar()
        return f"{year:04d}-W{week:02d}" + ("-WE" if weekend else "")

    def _count(self, said: str) -> int:
        return self.counts[said] if said in self.counts else int(said)

    def _ago(self, match: re.Match, today: date) -> str | None:
        number = self._count(match["n"])
        try:
            return (today - timedelta(days=number * self.units[match["unit"]])).isoformat()
        except (OverflowError, ValueError):  # before year 1: not a date Alexa would send
            return None

    def _coarse_ago(self, match: re.Match, today: date) -> str | None:
        number = self._count(match["n"])
        if number > 9999:
            return None
        if self.coarse_units[match["unit"]] == "year":
            return f"{today.year - number:04d}" if today.year > number else None
        months = today.year * 12 + today.month - 1 - number
        return f"{months // 12:04d}-{months % 12 + 1:02d}" if months >= 12 else None

    def _weekday(self, match: re.Match, today: date) -> str:
        ahead = (self.weekdays[match["weekday"]] - today.weekday()) % 7
        mode = self.modifiers.get(match["mod"] or "", "coming")
        if mode == "following" and ahead == 0:
            ahead = 7
        elif mode == "previous":
            ahead = ahead - 7
        return (today + timedelta(days=ahead)).isoformat()

    def _weekday_of_week(self, match: re.Match, today: date) -> str:
        """"monday last week", "last week on tuesday": that day of the week named."""
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=self.weeks[match["week"]])
        return (monday + timedelta(days=self.weekdays[match["weekday"]])).isoformat()

    def _day_of_month(self, match: re.Match, today: date) -> str | None:
        day = int(alpha2digit(match["day"], "en", threshold=0).rstrip("stndrh"))
        month = self.months[match["month"]]
        if match["year"]:
            return _iso(int(match["year"]), month, day)
        value = _iso(today.year, month, day)
        if value is not None and value < today.isoformat():
            return _iso(today.year + 1, month, day)  # no year said: on or after today
        return value

    @staticmethod
    def _day_of_this_month(match: re.Match, today: date) -> str | None:
        """"on the 16th": that day of this month (a day said about what happened, mostly)."""
        return _iso(today.year, today.month, int(match["day"][:-2]))

    def _season(self, match: re.Match, today: date) -> str:
        """"over winter", "last summer": the year and the season's code (2026-WI), as Alexa sends it."""
        year = today.year - (1 if match["mod"].startswith("last") else 0)
        return f"{year:04d}-{self.seasons[match['season']]}"

    def _iso(self, match: re.Match, today: date) -> str | None:
        return _iso(int(match["year"]), int(match["month"]), int(match["day"]))

    def _month(self, match: re.Match, today: date) -> str:
        month = self.months[match["month"]]
        year = today.year if month >= today.month else today.year + 1
        return f"{year:04d}-{month:02d}"


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


class TimeReader:
    """AMAZON.TIME: "7 pm" -> "19:00", "half 7" and "7 30" -> "07:30", "at 9" -> "09:00", "noon" ->
    "12:00", "in the evening" -> "EV" (a part of the day: MO, AF, EV, NI). A clock time without
    am or pm is sent as said (07:00); the words around it ("every evening") tell the skill which.
    Found only after "at", before "am", "pm" or "o'clock", or as "half N", "quarter past N",
    "N 30": a bare number is no time."""

    def __init__(self, words: Mapping) -> None:
        self.fixed: dict[str, str] = dict(words["fixed"])
        self.parts: dict[str, str] = dict(words["parts"])
        fixed = _alternatives([*self.fixed, *self.parts])
        hour = r"(?P<h>1[0-2]|0?\d|2[0-3]|1[3-9])"
        self._grammar = [
            (re.compile(rf"(?P<phrase>{fixed})"), self._fixed),
            (re.compile(rf"(?:at )?{hour}(?: (?P<m>[0-5]\d))? ?(?P<half>am|pm|a m|p m)"), self._clock),
            (re.compile(rf"(?:at )?{hour}(?: (?P<m>[0-5]\d))? o'clock"), self._clock),
            (re.compile(rf"(?:at )?half(?: past)? {hour}"), self._half),
            (re.compile(rf"(?:at )?quarter past {hour}"), self._quarter),
            (re.compile(rf"at {hour}(?: (?P<m>[0-5]\d))?"), self._clock),
        ]
        self._finders = [re.compile(rf"\b(?:{rule.pattern})\b") for rule, _ in self._grammar]

    def find(self, text: str) -> list[Span]:
        """The times in `text` (canonical), longest first where they overlap."""
        found = []
        for (rule, convert), finder in zip(self._grammar, self._finders):
            for match in finder.finditer(text):
                found.append(Span(match.start(), match.end(), convert(rule.fullmatch(match.group()))))
        return longest_first(found)

    def _fixed(self, match: re.Match) -> str:
        phrase = match["phrase"]
        return self.fixed.get(phrase) or self.parts[phrase]

    @staticmethod
    def _clock(match: re.Match) -> str:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        half = (match.groupdict().get("half") or "").replace(" ", "")
        if half:
            hour = hour % 12 + (12 if half == "pm" else 0)
        return f"{hour:02d}:{minute:02d}"

    @staticmethod
    def _half(match: re.Match) -> str:
        return f"{int(match['h']):02d}:30"

    @staticmethod
    def _quarter(match: re.Match) -> str:
        return f"{int(match['h']):02d}:15"
