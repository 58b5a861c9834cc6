"""Conversational text per locale: `skill/voice/locales/en.toml`, overridden key by key per locale.

Loaded once per locale and cached; an unknown locale falls back to en-US. Values are plain
text; `Texts.line` fills placeholders (the locale's own `[locale]` values are always
available, e.g. ``{emergency_spoken}``); `skill.voice.ssml` escapes.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
DEFAULT = "en-US"


class Texts:
    """The text of one locale. `line("ask.pain")` -> str, `lines("tier.urgent")` -> list[str]."""

    def __init__(self, locale: str, table: dict[str, dict[str, object]]) -> None:
        self.locale = locale
        self.place: dict[str, str] = {k: str(v) for k, v in table.get("locale", {}).items()}
        # The locale's own values ({emergency_spoken}, ...) are filled in once, here.
        fill = _Partial(self.place)
        # Plugin data names the spoken emergency number {emergency_number}.
        self._data = _Partial({**self.place, "emergency_number": self.place.get("emergency_spoken", "")})
        self._table = {section: {name: _fill(value, fill) for name, value in entries.items()}
                       for section, entries in table.items()}

    def _raw(self, key: str) -> object:
        section, _, name = key.partition(".")
        try:
            return self._table[section][name]
        except KeyError:
            raise KeyError(f"no text {key!r} for locale {self.locale}") from None

    def line(self, key: str, **values: object) -> str:
        """One text, placeholders filled."""
        raw = self._raw(key)
        if not isinstance(raw, str):
            raise TypeError(f"text {key!r} is a list; use lines()")
        return raw.format(**values) if values else raw

    def lines(self, key: str, **values: object) -> list[str]:
        """A text that may be one sentence or a list of sentences, placeholders filled."""
        raw = self._raw(key)
        items = [raw] if isinstance(raw, str) else raw
        return [item.format(**values) for item in items] if values else list(items)  # type: ignore[union-attr]

    def template(self, key: str) -> str:
        """A text whose placeholders other than the locale's are left for the caller (``{seconds}``)."""
        raw = self._raw(key)
        if not isinstance(raw, str):
            raise TypeError(f"text {key!r} is a list")
        return raw

    def fill(self, text: str) -> str:
        """Plugin data text with the locale's values filled in ({emergency_number}, {doctor}, ...)."""
        return text.format_map(self._data) if "{" in text else text

    def advice(self, rules, kind: str) -> list[str]:
        """Every sentence of the plugins' advice of one kind (a `rules.RuleSet`), values filled in."""
        return [self.fill(line) for record in rules.advice_of(kind) for line in record.say]


def join(items: list[str], word: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


class _Partial(dict):
    """format_map values that leave unknown placeholders as they are ("{seconds}" stays)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(value: object, fill: _Partial) -> object:
    if isinstance(value, str):
        return value.format_map(fill)
    if isinstance(value, list):
        return [str(item).format_map(fill) for item in value]
    return value


def _read(name: str) -> dict[str, dict[str, object]]:
    path = resources.files("skill.voice.locales").joinpath(name)
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@functools.cache
def texts(locale: str) -> Texts:
    """The texts of `locale` (unknown locales get en-US)."""
    if locale not in LOCALES:
        locale = DEFAULT
    table = {section: dict(values) for section, values in _read("en.toml").items()}
    for section, values in _read(f"{locale}.toml").items():
        table.setdefault(section, {}).update(values)
    return Texts(locale, table)
