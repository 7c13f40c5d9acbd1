"""The pages' JavaScript says things from the same gettext catalog as the server.

A script calls ``t("Pause")`` or ``t("%(name)s drives", {name})`` and
``tn("%(count)s turn", "%(count)s turns", count)`` (static/i18n.js). The English
text is the key, as in the templates' ``_()``. ``pybabel extract -F babel.cfg``
reads the scripts too (with ``extract_scripts`` below: their ``t`` and ``tn``, which
are no keywords in the Python code), so their messages land in the one catalog and
the catalog test holds them like any other. The page carries
what its scripts say, translated for the request's language, in a JSON block
(``<script type="application/json" id="i18n">``, see templates/_i18n.html): no
inline script, the CSP stays as it is.

Plurals: the block gives each plural message's text for each CLDR plural category
of the language (Babel's rules; the form for a category is the catalog's own
choice for a number in it), and the script picks one with ``Intl.PluralRules``.
Numbers in a message are written with the language's symbols from Babel."""
from __future__ import annotations

import functools
import io
import os

from babel import Locale
from babel.messages.extract import extract_from_dir, extract_javascript
from babel.messages.frontend import parse_mapping_cfg
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale, get_translations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATIC = os.path.join(ROOT, "static")
# A script's calls, t(message, params) and tn(singular, plural, count, params), are
# given to babel as the gettext and ngettext it knows (babel.cfg names this extractor).
AS = {"t": "gettext", "tn": "ngettext"}
MAPPING = "[coding_duo.web.page_strings.extract_scripts: **.js]\n"


def extract_scripts(fileobj, keywords, comment_tags, options):
    """Babel's JavaScript extractor with the scripts' own keywords."""
    for lineno, funcname, messages, comments in extract_javascript(fileobj, AS, comment_tags, options):
        yield lineno, AS[funcname], messages, comments


@functools.cache
def script_messages(folder: str = STATIC) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(messages, plural messages) said by the scripts under ``folder``, as
    ``pybabel extract`` finds them; read once per process."""
    method_map, options_map = parse_mapping_cfg(io.StringIO(MAPPING))
    singles, plurals = set(), set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            folder, method_map, options_map, keywords={"gettext": None, "ngettext": (1, 2)}):
        if isinstance(message, str):
            singles.add(message)
        elif message[0] and message[1]:
            plurals.add((message[0], message[1]))
    return tuple(sorted(singles)), tuple(sorted(plurals))


@functools.cache
def _samples(lang: str) -> dict[str, int]:
    """A whole number in each plural category the language has ('other' always)."""
    rule = Locale.parse(lang).plural_form
    found: dict[str, int] = {}
    for n in (*range(0, 200), 1000, 1_000_000):
        found.setdefault(rule(n), n)
    found.setdefault("other", 5)
    return found


def page_strings() -> dict:
    """The JSON block's content for this request's language: ``lang``, ``messages``
    (English -> translated), ``plurals`` (singular -> {CLDR category: text}) and
    ``number`` (the decimal and group symbols)."""
    lang = str(get_locale() or "en")
    translations = get_translations()
    singles, plurals = script_messages()
    return {
        "lang": lang,
        "messages": {m: translations.ugettext(m) for m in singles},
        "plurals": {s: {category: translations.ungettext(s, p, n) for category, n in _samples(lang).items()}
                    for s, p in plurals},
        "number": {"decimal": get_decimal_symbol(lang), "group": get_group_symbol(lang)},
    }
