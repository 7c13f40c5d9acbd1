"""Time-up that cannot be missed: the one-step offer of sound and notifications,
00:00 and "time's up" held (display, status, tab title) until the next start,
and the turn's progress bar, all with the strict CSP (no violation reported)."""
from __future__ import annotations

import time

import pytest

from browsing import readme_shot
from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py

VIOLATIONS = ("window.cspViolations = [];"
              "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective));")


def test_time_up_holds_00_00_and_says_so_in_the_title_until_the_next_start(people, web):
    api = Api(web.url)
    code = api.create_room(3_000)
    a = people(permissions=["notifications"])
    b = people(permissions=["notifications"])
    for person in (a, b):
        person.page.add_init_script(VIOLATIONS)
        person.open(code)
        assert person.page.is_hidden("#alert-offer")

    a.page.click("#toggle")
    for person in (a, b):  # the first start seen on each screen offers both in one step
        person.page.wait_for_selector("#alert-offer", state="visible", timeout=1500)
        person.page.click("#offer-yes")
        assert person.page.is_hidden("#alert-offer")
        assert person.page.get_attribute("#sound", "aria-pressed") == "true"
        assert person.page.get_attribute("#notify", "aria-pressed") == "true"
        assert person.page.evaluate("localStorage.getItem('codingDuo.alertsOffered')") == "yes"

    progress = []
    while a.page.get_attribute("#display", "data-status") == "RUNNING":
        progress.append(int(a.page.evaluate("document.getElementById('progress').value")))
        time.sleep(0.2)
    assert progress == sorted(progress) and progress[-1] > progress[0], progress

    for person in (a, b):
        person.page.wait_for_selector('#display[data-status="TIME_UP"]', timeout=2000)
        person.page.wait_for_function("() => document.getElementById('driver').textContent === 'Bob'",
                                      timeout=2000)
    time.sleep(1.5)  # still held, not the next turn's length
    for person in (a, b):
        assert person.text("#display") == "00:00"
        assert person.page.get_attribute("#display", "data-status") == "TIME_UP"
        assert "time's up" in person.text("#timer-status") and "Bob drives" in person.text("#timer-status")
        assert person.page.title() == "⏰ Time's up: Bob drives · Coding Duo"
        assert person.page.evaluate("document.getElementById('progress').value") == 1000
        assert int(person.page.get_attribute("#room", "data-chimes")) >= 1

    a.page.screenshot(path=readme_shot("room-time-up.png"))

    b.page.click("#toggle")  # the next turn: the countdown is back, and nobody is asked again
    for person in (a, b):
        person.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1500)
        assert person.text("#display") in ("00:03", "00:02")
        assert person.page.title().endswith(" · Coding Duo") and "Time's up" not in person.page.title()
        assert person.page.is_hidden("#alert-offer")
        assert person.page.evaluate("window.cspViolations") == []


def test_not_now_is_remembered_and_the_controls_stay(people, web):
    api = Api(web.url)
    code = api.create_room(60_000)
    a = people().open(code)
    a.page.click("#toggle")
    a.page.wait_for_selector("#alert-offer", state="visible", timeout=1500)
    a.page.click("#offer-no")
    a.page.click("#toggle")
    a.page.wait_for_selector('#display[data-status="PAUSED"]', timeout=1500)
    a.page.reload()
    a.wait_live()
    a.page.click("#toggle")
    a.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1500)
    assert a.page.is_hidden("#alert-offer")
    assert a.page.get_attribute("#sound", "aria-pressed") == "false"
    assert a.page.is_visible("#sound")
