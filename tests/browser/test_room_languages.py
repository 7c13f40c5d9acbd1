"""The room page in Korean and in English: its live strings (state words, the
time-up message and title, the connection indicator, presence counts with their
plurals, confirmations, errors from the API) come from the gettext catalog through
the page's JSON block (static/i18n.js), in the browser's language unless the
switcher picked one."""
from __future__ import annotations

import pytest

from browsing import furnished_room, readme_shot
from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py

KOREAN = {
    "lang": "ko", "connection": "연결됨", "idle": "대기", "running": "진행 중", "start": "시작",
    "pause": "일시정지", "up": "시간 종료! 이제 Bob 님이 드라이버, Ann 님이 내비게이터입니다.",
    "status up": "시간 종료 · 이제 Bob 님이 드라이버", "title up": "⏰ 시간 종료: Bob 님이 드라이버 · Coding Duo",
    "offline": ("오프라인", "다시 연결 중…"), "alone": "나만 접속 중", "two": "화면 2개",
    "joined": "누군가 들어왔습니다.", "complete?": "이 룸을 완료할까요? 타이머가 멈추고 룸은 읽기 전용이 됩니다.",
    "summary": ("1턴 · 페어 ", "초 · 할 일 1개 중 0개 완료"), "bad url": "URL: 올바른 URL이 아닙니다 (호스트가 잘못됨)",
    "driver label": "드라이버",
}
ENGLISH = {
    "lang": "en", "connection": "live", "idle": "idle", "running": "running", "start": "Start",
    "pause": "Pause", "up": "Time is up! Bob drives now, Ann navigates.",
    "status up": "time's up · Bob drives now", "title up": "⏰ Time's up: Bob drives · Coding Duo",
    "offline": ("offline", "reconnecting…"), "alone": "only you here", "two": "2 screens",
    "joined": "Someone joined.", "complete?": "Complete this room? The timer stops and the room becomes read-only.",
    "summary": ("1 turn · ", " s paired · 0 of 1 todos done"), "bad url": "url: is not a valid URL (its host)",
    "driver label": "Driver",
}


def live_strings(people, web, said: dict, **options) -> None:
    """Walks a room through its live strings in one browser context; checks each
    against `said`."""
    api = Api(web.url)
    code = api.create_room(2_000)
    assert api.call("POST", f"/api/{code}/todos", {"content": "Write the failing test"}).status_code == 201
    person = people(**options)
    page = person.page
    person.open(code)
    page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
    assert page.get_attribute("html", "lang") == said["lang"]
    assert person.text("#connection") == said["connection"]
    assert person.text("#timer-status") == said["idle"] and person.text("#toggle") == said["start"]
    assert said["driver label"] in person.text(".roles")
    page.wait_for_function("(text) => document.getElementById('presence').textContent === text",
                           arg=said["alone"], timeout=3000)

    other = people(**options).open(code)  # a second screen: a count, and a notice
    page.wait_for_function("(text) => document.getElementById('presence').textContent === text",
                           arg=said["two"], timeout=3000)
    page.wait_for_function("(text) => document.getElementById('notice').textContent === text",
                           arg=said["joined"], timeout=3000)
    other.close()

    page.click("#toggle")
    page.wait_for_selector('#display[data-status="RUNNING"]', timeout=2000)
    assert person.text("#timer-status") == said["running"] and person.text("#toggle") == said["pause"]
    page.wait_for_selector('#display[data-status="TIME_UP"]', timeout=4000)
    page.wait_for_function("(text) => document.getElementById('announce').textContent === text",
                           arg=said["up"], timeout=2000)
    assert person.text("#timer-status") == said["status up"]
    assert page.title() == said["title up"]

    page.fill("#link-input", "http://exa mple.com")  # the API's refusal, said in the page's language
    page.click("#link-form button[type=submit]")
    page.wait_for_function("(text) => document.querySelector('#link-form').closest('.card')"
                           ".querySelector('.feedback').textContent === text", arg=said["bad url"], timeout=3000)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#complete")
    page.wait_for_selector('#room[data-status="COMPLETED"]', timeout=3000)
    assert asked == [said["complete?"]]
    summary = person.text("#summary-text")  # (the paired seconds: 2, or 1 when rounded down)
    assert summary.startswith(said["summary"][0]) and summary.endswith(said["summary"][1]), summary

    person.context.set_offline(True)
    page.wait_for_function("(words) => words.includes(document.getElementById('connection').textContent)",
                           arg=list(said["offline"]), timeout=5000)
    person.context.set_offline(False)
    person.problems = [p for p in person.problems if "400 (BAD REQUEST)" not in p]  # the refused link


def test_the_room_page_speaks_korean_in_a_korean_browser(people, web):
    live_strings(people, web, KOREAN, locale="ko-KR")


def test_the_room_page_speaks_english_in_an_english_browser(people, web):
    live_strings(people, web, ENGLISH, locale="en-US")


def test_the_switcher_overrides_the_browser_on_the_room_page(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    person = people(locale="ko-KR").open(code)
    page = person.page
    assert person.text("#connection") == "연결됨"
    page.click("button[value=en]")  # back to the same room, in English, remembered
    page.wait_for_selector("html[lang=en]", timeout=3000)
    person.wait_live()
    assert page.url.endswith(f"/rooms/{code}")
    assert person.text("#connection") == "live" and person.text("#toggle") == "Start"
    page.fill("#link-input", "http://exa mple.com")  # the page asks the API for its own language
    page.click("#link-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#link-form').closest('.card')"
                           ".querySelector('.feedback').textContent === 'url: is not a valid URL (its host)'",
                           timeout=3000)
    person.problems = [p for p in person.problems if "400 (BAD REQUEST)" not in p]  # the refused link
    page.reload()
    person.wait_live()
    assert page.get_attribute("html", "lang") == "en" and person.text("#timer-status") == "idle"
    page.click("button[value=ko]")
    page.wait_for_selector("html[lang=ko]", timeout=3000)
    person.wait_live()
    assert person.text("#toggle") == "시작"


def test_plurals_and_numbers_from_babel_in_the_page(people, web):
    """tn() picks the catalog's form for the language's plural category; numbers
    get the language's symbols (Babel's)."""
    api = Api(web.url)
    code = api.create_room(600_000)
    got = {}
    for locale in ("ko-KR", "en-US"):
        person = people(locale=locale).open(code)
        got[locale] = person.page.evaluate("""async () => {
          const { t, tn, number } = await import("/static/i18n.js");
          return [tn("%(count)s turn", "%(count)s turns", 1), tn("%(count)s turn", "%(count)s turns", 12345),
                  t("%(minutes)s min", { minutes: 2.5 }), number(1234567.891), t("not in the catalog")];
        }""")
        person.close()
    assert got["ko-KR"] == ["1턴", "12,345턴", "2.5분", "1,234,567.89", "not in the catalog"]
    assert got["en-US"] == ["1 turn", "12,345 turns", "2.5 min", "1,234,567.89", "not in the catalog"]


def test_a_korean_room_for_the_readme(people, web):
    api = Api(web.url)
    code = furnished_room(api, 900_000, todos=("실패하는 테스트 먼저 쓰기", "테스트 통과시키기", "리팩터링"),
                          category="문서")
    person = people(locale="ko-KR").open(code)
    page = person.page
    page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
    assert api.start(code).status_code == 204
    page.wait_for_selector('#display[data-status="RUNNING"]', timeout=2000)
    assert person.text("#timer-status") == "진행 중"
    page.wait_for_function("() => document.getElementById('display').textContent.trim() === '14:59'", timeout=3000)
    page.screenshot(path=readme_shot("room-ko.png"))
