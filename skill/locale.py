"""Conversational text per locale: `skill/locales/en.toml`, overridden key by key per locale.

Loaded once per locale and cached; an unknown locale falls back to en-US. Values are plain
text; `Texts.line` fills placeholders (the locale's own `[locale]` values are always
available, e.g. ``{emergency_spoken}``); `skill.speech` escapes.
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
        self._table = table
        self.place: dict[str, str] = {k: str(v) for k, v in table.get("locale", {}).items()}

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
        return raw.format(**self.place, **values)

    def lines(self, key: str, **values: object) -> list[str]:
        """A text that may be one sentence or a list of sentences, placeholders filled."""
        raw = self._raw(key)
        items = [raw] if isinstance(raw, str) else list(raw)  # type: ignore[arg-type]
        return [str(item).format(**self.place, **values) for item in items]

    def template(self, key: str) -> str:
        """A text with its placeholders left for the caller to fill (e.g. ``{seconds}``)."""
        raw = self._raw(key)
        if not isinstance(raw, str):
            raise TypeError(f"text {key!r} is a list")
        return raw

    def has(self, key: str) -> bool:
        try:
            self._raw(key)
        except KeyError:
            return False
        return True


def _read(name: str) -> dict[str, dict[str, object]]:
    path = resources.files("skill.locales").joinpath(name)
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
