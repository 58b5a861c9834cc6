"""Every sentence key the skill's code asks for exists in every locale (a merge or a rename that
loses one would otherwise surface only as "Sorry, something went wrong" on that path)."""

from __future__ import annotations

import re

import pytest

from layering import ROOT
from skill.voice.texts import LOCALES, texts

_CALL = re.compile(r"""\b(?:line|lines|template)\(\s*"([a-z_]+\.[a-z_]+)\"""")


def keys_in_code() -> set[str]:
    return {key for path in (ROOT / "skill").rglob("*.py") for key in _CALL.findall(path.read_text())}


def test_the_code_asks_for_many_keys():
    assert len(keys_in_code()) > 100


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_the_code_asks_for_exists(locale):
    tx = texts(locale)
    missing = []
    for key in sorted(keys_in_code()):
        try:
            tx._raw(key)  # the lookup line() and lines() share
        except KeyError:
            missing.append(key)
    assert not missing
