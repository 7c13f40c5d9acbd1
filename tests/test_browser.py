"""The room in a real browser: Playwright driving Debian's Chromium, two
browser contexts (two people) in one room."""
from __future__ import annotations

import os
import re
import time

import pytest

from support import Api, ServerProcess

from browsing import DESKTOP, PHONE, SHOTS, people, web  # noqa: F401 (fixtures; `browser` is in conftest)


def mid_second(ends_at_ms: float):
    """Sleep until we are well inside a second of the countdown, so that two
    readings of the display cannot straddle a change of second."""
    while True:
        fraction = (ends_at_ms - time.time() * 1000) % 1000
        if 350 <= fraction <= 650:
            return
        time.sleep(0.02)


def displays(*persons) -> list[str]:
    return [p.text("#display") for p in persons]


def ends_at(api: Api, code: str) -> float:
    return time.time() * 1000 + api.timer(code)["remainingTime"]


@pytest.mark.solo  # a latency bound: run alone (pytest.ini)
def test_start_pause_swap_and_todos_sync_between_two_people(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    a, b = people().open(code), people().open(code)
    a.page.click("#toggle")
    started = time.monotonic()
    b.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1000)
    assert time.monotonic() - started < 1
    mid_second(ends_at(api, code))
    shown = displays(a, b)
    assert shown[0] == shown[1] and re.fullmatch(r"10:00|09:5\d", shown[0]), shown
    assert b.text("#toggle") == "Pause"

    b.page.click("#toggle")
    a.page.wait_for_selector('#display[data-status="PAUSED"]', timeout=1000)
    assert a.text("#toggle") == "Start"
    assert displays(a, b)[0] == displays(a, b)[1]

    a.page.click("#swap")
    b.page.wait_for_function("() => document.getElementById('driver').textContent === 'Bob'", timeout=1000)
    assert b.text("#navigator") == "Ann"

    a.page.fill("#todo-input", "Write the <b>failing</b> test")
    a.page.press("#todo-input", "Enter")
    b.page.wait_for_selector("#todos .todo", timeout=1000)
    assert b.text("#todos .todo .todo-text") == "Write the <b>failing</b> test"
    b.page.click("#todos .todo .todo-check")
    a.page.wait_for_selector("#todos .todo .todo-text.done", timeout=1000)


@pytest.mark.solo  # a latency bound: run alone (pytest.ini)
def test_a_reloaded_page_is_back_in_sync_within_a_second(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    a, b = people().open(code), people().open(code)
    api.start(code)
    b.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1000)
    time.sleep(1.2)
    loaded = time.monotonic()
    b.page.reload()
    b.wait_live(1)
    b.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1000)
    assert time.monotonic() - loaded < 1
    mid_second(ends_at(api, code))
    assert displays(a, b)[0] == displays(a, b)[1]


def test_time_up_rings_announces_and_swaps_on_both_screens(people, web):
    api = Api(web.url)
    code = api.create_room(3_000)
    a, b = people().open(code), people().open(code)
    for person in (a, b):
        person.page.click("#sound")  # the click browsers require before any sound
        assert person.page.get_attribute("#sound", "aria-pressed") == "true"
    a.page.click("#toggle")
    titles = set()
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and "Time is up" not in a.text("#announce"):
        titles.add(a.page.title())
        time.sleep(0.1)
    for person in (a, b):
        person.page.wait_for_function("() => document.getElementById('announce').textContent.includes('Time is up')",
                                      timeout=2000)
        assert "Bob drives now" in person.text("#announce")
        assert person.text("#driver") == "Bob" and person.text("#navigator") == "Ann"
        assert person.page.get_attribute("#announce", "aria-live") == "assertive"
        person.page.wait_for_function("() => Number(document.getElementById('room').dataset.chimes) >= 1",
                                      timeout=2000)
        assert person.page.evaluate("document.getElementById('chime').played.length") >= 1
        assert person.text("#display") == "00:00"  # held until the next start (tests/browser)
    assert {"00:03 · Coding Duo", "00:02 · Coding Duo", "00:01 · Coding Duo"} & titles, titles
    assert a.page.title() == "⏰ Time's up: Bob drives · Coding Duo"  # not running any more
    time.sleep(0.3)
    for person in (a, b):  # one time-up, one chime (the "0" before `stop` rings nothing)
        assert person.page.evaluate("Number(document.getElementById('room').dataset.chimes)") == 1
    # Swap roles right after the time-up is a person's new swap, never the time-up's.
    a.page.click("#swap")
    for person in (a, b):
        person.page.wait_for_function("() => document.getElementById('driver').textContent === 'Ann'",
                                      timeout=2000)
    assert (api.room(code)["driver"], api.room(code)["navigator"]) == ("Ann", "Bob")


def test_both_pages_reconnect_by_themselves_after_a_server_restart(people, database_url_for):
    env = {"HEARTBEAT_SECONDS": "2", "EMPTY_ROOM_GRACE_SECONDS": "0", "STREAM_RETRY_MS": "500"}
    server = ServerProcess(database_url_for("browser-restart"), env).start()
    try:
        api = Api(server.url)
        code = api.create_room(600_000)
        a, b = people(server=server).open(code), people(server=server).open(code)
        api.start(code)
        b.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1000)
        server.stop()  # SIGTERM: streams end, the process exits
        a.page.wait_for_selector('#connection:not([data-state="live"])', timeout=3000)
        restarted = ServerProcess(server.database_url, env, port=server.port).start()
        try:
            for person in (a, b):
                person.wait_live(10)
            mid_second(ends_at(api, code))
            shown = displays(a, b)
            expected = api.timer(code)["remainingTime"]
            assert shown[0] == shown[1]
            minutes, seconds = map(int, shown[0].split(":"))
            assert abs((minutes * 60 + seconds) * 1000 - expected) <= 1000
        finally:
            restarted.stop()
    finally:
        server.stop()


@pytest.mark.once  # see tests/conftest.py
def test_screenshots_of_home_and_a_room_mid_turn(people, web):
    os.makedirs(SHOTS, exist_ok=True)
    api = Api(web.url)
    code = api.create_room(15 * 60_000, driver="Ada", navigator="Grace")
    for text in ["Write the failing test", "Make it pass", "Refactor the timer"]:
        api.call("POST", f"/api/{code}/todos", {"content": text})
    api.call("POST", f"/api/{code}/category", {"value": "docs"})
    api.start(code)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        person = people(viewport)
        person.page.goto("/")
        person.page.screenshot(path=os.path.join(SHOTS, f"home-{name}.png"), full_page=True)
        person.open(code)
        time.sleep(1.2)
        person.page.screenshot(path=os.path.join(SHOTS, f"room-{name}.png"), full_page=True)
        width = person.page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: page is {width}px wide"
    for name in ("home-desktop", "room-desktop", "home-phone", "room-phone"):
        assert os.path.getsize(os.path.join(SHOTS, f"{name}.png")) > 10_000


def test_pages_carry_a_strict_content_security_policy(web):
    api = Api(web.url)
    page = api.http.get(web.url + f"/rooms/{api.create_room()}")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    static = api.http.get(web.url + re.search(r'src="(/static/room/main\.js\?v=\w+)"', page.text).group(1))
    assert "max-age=31536000" in static.headers["Cache-Control"]


def test_a_new_link_shows_at_once_and_its_preview_when_it_arrives(people, start_server):
    from page_server import PageServer
    pages = PageServer()
    try:
        pages.html("/doc", '<title>The Doc</title><meta name="description" content="Read me">', delay=0.8)
        server = start_server({"LINK_PREVIEW_ALLOW_PRIVATE": "true"})
        code = Api(server.url).create_room()
        a, b = people(server=server).open(code), people(server=server).open(code)
        a.page.fill("#link-input", pages.url("/doc"))
        a.page.press("#link-input", "Enter")
        for person in (a, b):  # saved and shown at once, titled with its URL ...
            person.page.wait_for_selector("#links .link", timeout=500)
            assert person.text("#links .link .link-title") == pages.url("/doc")
        for person in (a, b):  # ... and re-rendered with its preview when that comes
            person.page.wait_for_function(
                "() => document.querySelector('#links .link .link-title').textContent === 'The Doc'",
                timeout=3000)
            assert person.text("#links .link .link-description") == "Read me"
    finally:
        pages.close()
