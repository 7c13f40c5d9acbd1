"""The scripts' strings come from the gettext catalog (coding_duo/web/page_strings.py,
static/i18n.js): extracted from the scripts as pybabel extract does, translated for
the request's language into the page's JSON block, plural forms per CLDR category."""
from __future__ import annotations

import json
import os
import re

import pytest
from flask import Flask

from coding_duo.web import page_strings as strings
from coding_duo.web.i18n import init_i18n
from support import ROOT

BLOCK = re.compile(r'<script type="application/json" id="i18n">(.*?)</script>', re.S)


def block(html: str) -> dict:
    found = BLOCK.findall(html)
    assert len(found) == 1, "one i18n block"
    return json.loads(found[0])


SCRIPT = r"""
import { t, tn } from "../i18n.js";
const clock = /^\s*(\d+):([0-5]?\d)\s*$/.exec(text);   // a regex literal, not a string
const more = `${n} left`;                                  // a template string
el.textContent = t("Pause");
say(t("%(name)s drives now", { name }));
note(tn("%(count)s more turn", "%(count)s more turns", left));
const t2 = (t) => t.id;                                    // a parameter called t: no call
"""


@pytest.mark.once
def test_the_scripts_calls_are_extracted(tmp_path):
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "x.js").write_text(SCRIPT)
    assert strings.script_messages(str(tmp_path)) == (
        ("%(name)s drives now", "Pause"), (("%(count)s more turn", "%(count)s more turns"),))


@pytest.mark.once
def test_every_call_in_the_scripts_names_its_message_literally():
    """t(variable) would never reach the catalog: every t( and tn( starts with a string,
    and every one is extracted."""
    bad, literal = [], set()
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "static")):
        for name in files:
            if name.endswith(".js") and name != "i18n.js":
                source = open(os.path.join(folder, name), encoding="utf-8").read()
                bad += [f"{name}: {m.group(0)}" for m in re.finditer(r"\btn?\(\s*[^\"'\s]", source)]
                literal.update(re.findall(r'\btn?\(\s*"((?:[^"\\]|\\.)*)"', source))
    assert not bad, bad
    singles, plurals = strings.script_messages()
    # babel's extractor skips a call inside another call's arguments: none may be missed
    assert literal - set(singles) - {s for s, _p in plurals} == set()
    assert len(singles) > 50 and plurals, "the room's scripts say things"


def korean_app():
    app = Flask(__name__)
    init_i18n(app)
    return app


@pytest.mark.once
@pytest.mark.parametrize("accept, lang, live, one", [("ko-KR,ko;q=0.9", "ko", "연결됨", None),
                                                     ("en", "en", "live", "%(count)s more turn")])
def test_the_block_is_in_the_requests_language(monkeypatch, accept, lang, live, one):
    singles, _plurals = strings.script_messages()
    plural = ("%(count)s more turn", "%(count)s more turns")
    monkeypatch.setattr(strings, "script_messages", lambda: (singles, (plural,)))
    with korean_app().test_request_context("/rooms/x", headers={"Accept-Language": accept}):
        said = strings.page_strings()
    assert said["lang"] == lang and said["messages"]["live"] == live
    assert set(said["messages"]) == set(singles)
    # English has "one" and "other"; Korean only "other" (not in the catalog: the English)
    forms = said["plurals"]["%(count)s more turn"]
    assert set(forms) == ({"one", "other"} if one else {"other"})
    assert forms["other"] == "%(count)s more turns" and forms.get("one") == one
    assert said["number"] == {"decimal": ".", "group": ","}


def test_the_room_page_carries_the_block_in_its_language(api):
    code = api.create_room()
    ko = api.call("GET", f"/rooms/{code}", headers={"Accept-Language": "ko"}).text
    assert '<html lang="ko">' in ko and block(ko)["messages"]["live"] == "연결됨"
    assert "연결 중…" in ko  # the indicator before the script runs
    en = api.call("GET", f"/rooms/{code}", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in en and block(en)["messages"]["live"] == "live"
    assert "Content-Security-Policy" in api.call("GET", f"/rooms/{code}").headers
    # the block is data: no inline script runs (and < cannot end it early)
    assert "\\u003c" in ko or "<" not in BLOCK.findall(ko)[0]
    assert BLOCK.findall(api.call("GET", "/no/such/page").text) == []  # no scripts, no block
