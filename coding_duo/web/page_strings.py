"""The pages' JavaScript says things from the same gettext catalog as the server.

A script calls ``t("Pause")`` or ``t("%(name)s drives", {name})`` and
``tn("%(count)s turn", "%(count)s turns", count)`` (static/i18n.js). The English
text is the key, as in the templates' ``_()``. ``pybabel extract -F babel.cfg``
reads the scripts too (with ``extract_scripts`` below: their ``t`` and ``tn``, which
are no keywords in the Python code), so their messages land in the one catalog and
the catalog test holds them like any other. A page names its script
(``{% set page_script = "room/main.js" %}``, see templates/base.html) and carries
what that script and the modules it imports say, translated for the request's
language, in a JSON block (``<script type="application/json" id="i18n">``): no
inline script, the CSP stays as it is, and a page whose scripts say nothing (the
home page's) carries no block at all.

Plurals: the block gives each plural message's text for each CLDR plural category
of the language (Babel's rules; the form for a category is the catalog's own
choice for a number in it), and the script picks one with ``Intl.PluralRules``.
Numbers in a message are written with the language's symbols from Babel."""
from __future__ import annotations

import functools
import os
import re

from babel import Locale
from babel.messages.extract import extract_from_file, extract_javascript
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale, get_translations
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATIC = os.path.join(ROOT, "static")
# A script's calls, t(message, params) and tn(singular, plural, count, params), are
# given to babel as the gettext and ngettext it knows (babel.cfg names this extractor).
AS = {"t": "gettext", "tn": "ngettext"}
KEYWORDS = {"gettext": None, "ngettext": (1, 2)}
# What a module imports: `import … from "./x.js"`, `import "./x.js"`, `export … from
# "./x.js"` and `import("./x.js")` (the pages' scripts import one another by relative path).
IMPORTS = re.compile(r"""^\s*import\b[^"';]*?["'](\.{1,2}/[^"']+)["']"""
                     r"""|^\s*export\b[^"';]*?\bfrom\s*["'](\.{1,2}/[^"']+)["']"""
                     r"""|\bimport\(\s*["'](\.{1,2}/[^"']+)["']\s*\)""", re.M)

Messages = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


def extract_scripts(fileobj, keywords, comment_tags, options):
    """Babel's JavaScript extractor with the scripts' own keywords."""
    for lineno, funcname, messages, comments in extract_javascript(fileobj, AS, comment_tags, options):
        yield lineno, AS[funcname], messages, comments


def modules(script: str, folder: str = STATIC) -> tuple[str, ...]:
    """``script`` (a path under ``folder``) and every module it imports, at any depth."""
    seen, waiting = set(), [os.path.normpath(script)]
    while waiting:
        path = waiting.pop()
        if path in seen:
            continue
        seen.add(path)
        with open(os.path.join(folder, path), encoding="utf-8") as handle:
            source = handle.read()
        for found in IMPORTS.findall(source):
            waiting.append(os.path.normpath(os.path.join(os.path.dirname(path), "".join(found))))
    return tuple(sorted(path.replace(os.sep, "/") for path in seen))


def file_messages(path: str) -> Messages:
    """(messages, plural messages) said by one script, as ``pybabel extract`` finds them."""
    singles, plurals = set(), set()
    for _line, message, _comments, _context in extract_from_file(extract_scripts, path, KEYWORDS):
        if isinstance(message, str):
            singles.add(message)
        elif message[0] and message[1]:
            plurals.add((message[0], message[1]))
    return tuple(sorted(singles)), tuple(sorted(plurals))


@functools.cache
def script_messages(script: str, folder: str = STATIC) -> Messages:
    """What a page's ``script`` and the modules it imports say; read once per process."""
    singles, plurals = set(), set()
    for path in modules(script, folder):
        said, said_plural = file_messages(os.path.join(folder, path))
        singles.update(said)
        plurals.update(said_plural)
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


def page_strings(script: str) -> dict | None:
    """The JSON block's content for a page whose script is ``script``, in this
    request's language: ``lang``, ``messages`` (English -> translated), ``plurals``
    (singular -> {CLDR category: text}) and ``number`` (the decimal and group
    symbols); None when the script and its modules say nothing."""
    singles, plurals = script_messages(script)
    if not singles and not plurals:
        return None
    lang = str(get_locale() or "en")
    translations = get_translations()
    return {
        "lang": lang,
        "messages": {m: translations.ugettext(m) for m in singles},
        "plurals": {s: {category: translations.ungettext(s, p, n) for category, n in _samples(lang).items()}
                    for s, p in plurals},
        "number": {"decimal": get_decimal_symbol(lang), "group": get_group_symbol(lang)},
    }


def block_json(value) -> Markup:
    """``value`` as the JSON block's text: HTML-safe (``<``, ``>``, ``&`` and ``'``
    escaped, so nothing in it ends the block early) but not ASCII-only, so the
    (UTF-8) page carries Korean as itself, not six bytes of ``\\uXXXX`` a letter."""
    return htmlsafe_json_dumps(value, ensure_ascii=False)
