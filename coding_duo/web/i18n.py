"""Korean and English (Flask-Babel): which language a request gets, the
switcher's cookie, and the catalogs compiled at start.

The language is the one picked with the switcher (the ``lang`` cookie), else the
best match of the browser's ``Accept-Language``, else English. The catalogs live
in the repo as ``coding_duo/translations/<lang>/LC_MESSAGES/messages.po``; each
``.mo`` is compiled from its ``.po`` when the app is created and the ``.mo`` is
missing or older, so a fresh clone shows Korean without a manual step.
"""
from __future__ import annotations

import logging
import os
import tempfile

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, has_request_context, redirect, request
from flask_babel import Babel, get_locale

from .page_strings import block_json, page_strings

log = logging.getLogger(__name__)

LANGUAGES = ("ko", "en")  # the first is the switcher's first; English is the default
DEFAULT = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "translations")
NAMES = {"ko": "한국어", "en": "English"}

bp = Blueprint("language", __name__)


def select_locale() -> str:
    """A page: the switcher's choice, else the browser's. The API (``/api/``, ``/mob/``):
    the request's ``Accept-Language`` only (the room page's scripts send their page's
    language), so clients that send none (coduo's, the mob command line) get English.
    Outside a request (the command line, the scheduler's threads): English."""
    if not has_request_context():
        return DEFAULT
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES and not request.path.startswith(("/api/", "/mob/")):
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def compile_catalogs(folder: str = TRANSLATIONS) -> list[str]:
    """Compiles each ``messages.po`` whose ``.mo`` is missing or older; returns
    the ``.mo`` files written. Written to a temporary file and renamed, so that
    processes starting together never read a half-written catalog."""
    written = []
    for lang in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        po = os.path.join(folder, lang, "LC_MESSAGES", "messages.po")
        mo = po[:-3] + ".mo"
        if not os.path.exists(po):
            continue
        if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        try:
            with open(po, "rb") as source:
                catalog = read_po(source, locale=lang)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(mo), suffix=".mo")
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog)
            os.replace(temporary, mo)
            written.append(mo)
        except OSError as error:  # a read-only install: its .mo must have been built with it
            log.warning("cannot compile %s: %s", po, error)
    return written


@bp.post("/language")
def choose():
    """The switcher (a form on every page): remembered in a cookie for a year."""
    lang = request.form.get("lang", "")
    back = request.form.get("next", "/")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"  # only somewhere on this site
    response = redirect(back, 303)
    if lang in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def init_i18n(app) -> None:
    compile_catalogs()
    Babel(app, locale_selector=select_locale, default_translation_directories=TRANSLATIONS)
    app.register_blueprint(bp)
    app.jinja_env.globals["page_strings"] = page_strings  # templates/base.html: the scripts' strings
    app.jinja_env.filters["block_json"] = block_json

    @app.context_processor
    def languages():
        return {"lang": str(get_locale() or DEFAULT), "languages": [(c, NAMES[c]) for c in LANGUAGES]}

    @app.after_request
    def vary(response):
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
