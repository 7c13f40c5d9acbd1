"""Korean and English (coding_duo/web/i18n.py): the browser's Accept-Language
picks the language unless the switcher's cookie says otherwise; <html lang> says
which; the catalogs are compiled at start when missing or stale. The API's error
messages follow Accept-Language only (the room page's scripts send their page's),
in the same {"message": ...} shape: clients that send none get English."""
from __future__ import annotations

import os
import shutil
import time

import pytest

from coding_duo.web.i18n import TRANSLATIONS, compile_catalogs
from support import Api

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}


def page(api: Api, path: str, **headers):
    return api.call("GET", path, headers=headers, allow_redirects=False)


@pytest.mark.parametrize("accept, lang", [("ko-KR,ko;q=0.9", "ko"), ("ko", "ko"), ("en", "en"),
                                          ("en-US,en;q=0.9", "en"), ("fr, ko;q=0.5", "ko"),
                                          ("fr", "en"), ("", "en")])
def test_the_browsers_language_picks_the_page_language(api, accept, lang):
    html = page(api, "/", **({"Accept-Language": accept} if accept else {})).text
    assert f'<html lang="{lang}">' in html
    assert ("페어 룸 만들기" in html) == (lang == "ko")
    assert ("Start a pair room" in html) == (lang == "en")


def test_the_switcher_overrides_the_browser_and_is_remembered(api):
    chosen = api.call("POST", "/language", data={"lang": "en", "next": "/?x=1"},
                      headers=KO, allow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/?x=1")
    assert "lang=en" in chosen.headers["Set-Cookie"] and "Max-Age=" in chosen.headers["Set-Cookie"]
    html = page(api, "/", **KO).text  # the session keeps the cookie
    assert '<html lang="en">' in html and "Start a pair room" in html
    assert 'value="en" lang="en" aria-current="true"' in html
    api.call("POST", "/language", data={"lang": "ko", "next": "/"}, allow_redirects=False)
    assert '<html lang="ko">' in page(api, "/", **{"Accept-Language": "en"}).text


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/", "\\\\evil", "javascript:x"])
def test_the_switcher_only_goes_back_to_this_site(api, next_url):
    chosen = api.call("POST", "/language", data={"lang": "ko", "next": next_url}, allow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["Location"] in ("/", api.base + "/")


def test_an_unknown_language_sets_nothing(api):
    chosen = api.call("POST", "/language", data={"lang": "xx", "next": "/"}, allow_redirects=False)
    assert chosen.status_code == 303 and "Set-Cookie" not in chosen.headers


def test_error_pages_and_home_errors_in_korean(api):
    missing = page(api, "/no/such/page", **KO)
    assert missing.status_code == 404
    assert '<html lang="ko">' in missing.text and "찾을 수 없음" in missing.text
    assert "이 주소에는 아무것도 없습니다." in missing.text
    assert "Not found" in page(api, "/no/such/page", **{"Accept-Language": "en"}).text
    bad = page(api, "/join?code=nope", **KO)
    assert bad.status_code == 400 and "접속 코드(ABCDE-FGHJK)나 룸 초대 링크가 아닙니다." in bad.text
    gone = page(api, "/join?code=AAAAA-AAAAA", **KO)
    assert gone.status_code == 404 and "“AAAAA-AAAAA” 코드를 가진 룸이 없습니다." in gone.text
    assert page(api, "/api/no-such", **KO).json() == {"message": "찾을 수 없음"}
    assert page(api, "/api/no-such").json() == {"message": "Not found"}
    blank = api.call("POST", "/rooms", data={"driver": " ", "navigator": "Bob", "minutes": "10"},
                     headers=KO, allow_redirects=False)
    assert blank.status_code == 400 and "드라이버: 비어 있으면 안 됩니다" in blank.text  # the form's label
    assert "Accept-Language" in missing.headers["Vary"]


def test_the_room_page_says_its_language(api):
    code = api.create_room()
    assert '<html lang="ko">' in page(api, f"/rooms/{code}", **KO).text
    assert '<html lang="en">' in page(api, f"/rooms/{code}", **{"Accept-Language": "en"}).text


def test_catalogs_are_compiled_when_missing_or_older(tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.mo"))
    po = folder / "ko" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert compile_catalogs(str(folder)) == [str(mo)] and mo.stat().st_size > 0
    assert compile_catalogs(str(folder)) == []  # up to date: left alone
    later = time.time() + 5
    os.utime(po, (later, later))
    assert compile_catalogs(str(folder)) == [str(mo)]
    assert sorted(p.name for p in po.parent.iterdir()) == ["messages.mo", "messages.po"]  # no temporary left


def test_the_repo_catalog_is_compiled_at_start(server):
    po = os.path.join(TRANSLATIONS, "ko", "LC_MESSAGES", "messages.po")
    mo = po[:-3] + ".mo"
    assert os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po)


# (method, path, body, status, English, Korean): what the room page can be told
REFUSALS = [
    ("POST", "/api/pair-room", {"driver": " ", "navigator": "Bob", "timerDuration": 60_000}, 400,
     "driver: must not be blank", "드라이버: 비어 있으면 안 됩니다"),
    ("POST", "/api/pair-room", {"driver": "Ann", "navigator": "Bob", "timerDuration": 999}, 400,
     "timerDuration: Input should be greater than or equal to 1000", "턴 길이(밀리초): 1000 이상이어야 합니다"),
    ("POST", "/api/{code}/reference-link", {"url": "http://exa mple.com"}, 400,
     "url: is not a valid URL (its host)", "URL: 올바른 URL이 아닙니다 (호스트가 잘못됨)"),
    ("PATCH", "/api/{code}/timer/start", None, 404,
     "No room has the access code", "접속 코드가 'AAAAA-AAAAA'인 룸이 없습니다"),
    ("PATCH", "/api/pair-room/{code}/members/9", {"away": True}, 404,
     "The room has no member 9", "이 룸에는 해당 멤버가 없습니다: 9"),
    ("PUT", "/api/pair-room/{code}/goal", {"goal": "two\nlines"}, 400,
     "goal: must be one line", "목표: 한 줄이어야 합니다"),
    ("PATCH", "/api/pair-room/{code}/break/skip", None, 409,
     "The room is not on a break", "룸이 휴식 중이 아닙니다"),
    ("DELETE", "/api/{code}/todos", None, 405,
     "Method DELETE is not allowed here", "여기에서는 DELETE 메서드를 사용할 수 없습니다"),
]


@pytest.mark.parametrize("method, path, body, status, english, korean", REFUSALS,
                         ids=[r[4][:30] for r in REFUSALS])
def test_api_errors_are_said_in_the_language_asked_for(api, method, path, body, status, english,
                                                      korean):
    code = api.create_room()
    url = path.format(code="AAAAA-AAAAA" if status == 404 and "timer" in path else code)
    json_headers = {"Content-Type": "application/json"}
    before = api.room(code)
    answers = {}
    for accept in ("ko-KR,ko;q=0.9", "en", None):
        headers = {**json_headers, **({"Accept-Language": accept} if accept else {})}
        response = api.call(method, url, body, headers=headers)
        assert response.status_code == status, response.text
        assert list(response.json()) == ["message"]  # the same shape
        answers[accept] = response.json()["message"]
    assert korean in answers["ko-KR,ko;q=0.9"], answers
    assert english in answers["en"] and answers["en"] == answers[None], answers
    assert api.room(code) == before  # refused: nothing changed


def test_the_api_ignores_the_switchers_cookie(api):
    """A page's scripts say which language they want; other clients get English
    whatever cookie the browser holds."""
    api.call("POST", "/language", data={"lang": "ko", "next": "/"}, allow_redirects=False)
    assert '<html lang="ko">' in page(api, "/").text  # the pages follow it
    assert page(api, "/api/no-such").json() == {"message": "Not found"}
    assert page(api, "/api/no-such", **KO).json() == {"message": "찾을 수 없음"}
