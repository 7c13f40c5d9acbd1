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


MAIN = """
import { a } from "./room/x.js";                // the page's script imports a module
export { b } from "./room/y.js";                // a re-export
import {
  c,
} from "./room/z.js";                            // over several lines
const later = () => import("./late.js");         // a dynamic import
// import "./commented.js" is no import, nor is "./room/not.js" in a string
el.textContent = t("Main says");
"""


@pytest.mark.once
def test_the_scripts_calls_are_extracted(tmp_path):
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "x.js").write_text(SCRIPT)
    assert strings.file_messages(str(tmp_path / "room" / "x.js")) == (
        ("%(name)s drives now", "Pause"), (("%(count)s more turn", "%(count)s more turns"),))


@pytest.mark.once
def test_a_page_gets_what_its_script_and_its_imports_say(tmp_path):
    static = tmp_path / "static"
    (static / "room").mkdir(parents=True)
    (static / "main.js").write_text(MAIN)
    (static / "room" / "x.js").write_text(SCRIPT)
    (static / "room" / "y.js").write_text('import { x } from "./x.js"; t("From y");')
    (static / "room" / "z.js").write_text('t("From z");')
    (static / "late.js").write_text('t("Later");')
    (static / "i18n.js").write_text("export function t(message) { return message; }")  # x.js imports it
    for name in ("commented.js", "room/not.js", "other.js"):  # no page's
        (static / name).write_text('t("Nobody says this");')
    assert strings.modules("main.js", str(static)) == (
        "i18n.js", "late.js", "main.js", "room/x.js", "room/y.js", "room/z.js")
    singles, plurals = strings.script_messages("main.js", str(static))
    assert singles == ("%(name)s drives now", "From y", "From z", "Later", "Main says", "Pause")
    assert plurals == (("%(count)s more turn", "%(count)s more turns"),)
    assert strings.script_messages("other.js", str(static)) == (("Nobody says this",), ())


def page_scripts() -> set[str]:
    """The scripts the templates name ({% set page_script = "..." %})."""
    named = set()
    for name in os.listdir(os.path.join(ROOT, "templates")):
        with open(os.path.join(ROOT, "templates", name), encoding="utf-8") as handle:
            named.update(re.findall(r'{%-?\s*set page_script = "([^"]+)"', handle.read()))
    return named


def scripts() -> list[str]:
    """Every script under static/, as a path under it."""
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "static")):
        found += [os.path.relpath(os.path.join(folder, n), os.path.join(ROOT, "static")).replace(os.sep, "/")
                  for n in files if n.endswith(".js")]
    return sorted(found)


@pytest.mark.once
def test_every_call_in_the_scripts_names_its_message_literally():
    """t(variable) would never reach the catalog: every t( and tn( starts with a string,
    and every one is extracted."""
    bad, literal, singles, plurals = [], set(), set(), set()
    for name in scripts():
        if name == "i18n.js":
            continue
        path = os.path.join(ROOT, "static", name)
        source = open(path, encoding="utf-8").read()
        bad += [f"{name}: {m.group(0)}" for m in re.finditer(r"\btn?\(\s*[^\"'\s]", source)]
        literal.update(re.findall(r'\btn?\(\s*"((?:[^"\\]|\\.)*)"', source))
        said, said_plural = strings.file_messages(path)
        singles.update(said)
        plurals.update(said_plural)
    assert not bad, bad
    # babel's extractor skips a call inside another call's arguments: none may be missed
    assert literal - singles - {s for s, _p in plurals} == set()
    assert len(singles) > 50 and plurals, "the room's scripts say things"


@pytest.mark.once
def test_every_script_is_some_pages_so_its_strings_reach_a_page():
    named = page_scripts()
    assert named == {"home.js", "room/main.js"}
    reached = {path for script in named for path in strings.modules(script)}
    assert reached == set(scripts()), "a script no page loads (or one the import walk missed)"
    assert strings.script_messages("home.js") == ((), ()), "the home page's script says nothing"
    assert len(strings.script_messages("room/main.js")[0]) > 50


def korean_app():
    app = Flask(__name__)
    init_i18n(app)
    return app


@pytest.mark.once
@pytest.mark.parametrize("accept, lang, live, one", [("ko-KR,ko;q=0.9", "ko", "연결됨", None),
                                                     ("en", "en", "live", "%(count)s more turn")])
def test_the_block_is_in_the_requests_language(monkeypatch, accept, lang, live, one):
    singles, _plurals = strings.script_messages("room/main.js")
    plural = ("%(count)s more turn", "%(count)s more turns")
    monkeypatch.setattr(strings, "script_messages", lambda script: (singles, (plural,)))
    with korean_app().test_request_context("/rooms/x", headers={"Accept-Language": accept}):
        said = strings.page_strings("room/main.js")
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
    # exactly what the room's scripts say, and nothing for a page whose script says nothing
    assert set(block(ko)["messages"]) == set(strings.script_messages("room/main.js")[0])
    home = api.call("GET", "/", headers={"Accept-Language": "ko"}).text
    assert BLOCK.findall(home) == [] and re.search(r'<script type="module" src="/static/home\.js\?v=\w+">', home)
    assert len(re.findall(r'<script type="module"', ko)) == 1 and '/static/room/main.js?v=' in ko
    print(f"\ni18n block: room page {len(BLOCK.findall(ko)[0].encode())} bytes (ko), {len(BLOCK.findall(en)[0].encode())} (en); "
          f"home page none")
