"""The Korean catalog is complete: every message the code and the templates say
(extracted as pybabel does, with babel.cfg) has a Korean translation that keeps
its placeholders, none fuzzy and none left over from removed messages."""
from __future__ import annotations

import os
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from coding_duo.web.i18n import LANGUAGES, TRANSLATIONS
from support import ROOT

pytestmark = pytest.mark.once  # see tests/conftest.py

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\{[A-Za-z_]\w*\}")


def source_messages() -> set[str]:
    with open(os.path.join(ROOT, "babel.cfg")) as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                                                     "lazy_gettext": None, "pgettext": ((1, "c"), 2)}):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def catalog(lang: str):
    with open(os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po"), "rb") as handle:
        return read_po(handle, locale=lang)


TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_has_a_translation_with_its_placeholders(lang):
    missing, dropped, fuzzy = [], [], []
    for message in catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            missing.append(ids[0])
            continue
        if message.fuzzy:
            fuzzy.append(ids[0])
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for string in strings:
            if sorted(set(PLACEHOLDER.findall(string))) != wanted:
                dropped.append((ids[0], string))
    assert not missing, f"{lang}: no translation for {missing}"
    assert not dropped, f"{lang}: placeholders not kept in {dropped}"
    assert not fuzzy, f"{lang}: fuzzy (unchecked) translations {fuzzy}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalog_holds_exactly_what_the_code_says(lang):
    said = source_messages()
    held = {part for m in catalog(lang) if m.id for part in ((m.id,) if isinstance(m.id, str) else m.id)}
    assert said, "nothing extracted: babel.cfg or the extraction is broken"
    assert not said - held, f"{lang}: not in the catalog (pybabel extract + update): {sorted(said - held)}"
    assert not held - said, f"{lang}: in the catalog but no longer said: {sorted(held - said)}"


def test_the_check_catches_a_dropped_placeholder():
    assert PLACEHOLDER.findall("“%(code)s” 코드") == ["%(code)s"]
    assert PLACEHOLDER.findall("{n} screens, %s and 100%") == ["{n}", "%s"]
