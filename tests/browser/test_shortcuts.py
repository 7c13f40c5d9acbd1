"""Space (start/pause) and S (swap) wherever the focus is, a button just
clicked included, but not while typing; ? shows the list of shortcuts."""
from __future__ import annotations

import pytest

from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py

BUTTONS = ["#toggle", "#swap", "#sound", "#copy-code", "#help-open", "#set-duration"]


def status(person) -> str:
    return person.page.get_attribute("#display", "data-status")


def wait_status(person, value: str):
    person.page.wait_for_selector(f'#display[data-status="{value}"]', timeout=1500)


def wait_driver(person, name: str):
    person.page.wait_for_function(f"() => document.getElementById('driver').textContent === '{name}'",
                                  timeout=1500)


def test_space_and_s_after_clicking_each_button(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    a = people().open(code)
    b = people().open(code)
    a.page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
    driver = "Ann"
    for selector in BUTTONS:
        a.page.click(selector)
        if selector == "#help-open":
            a.page.keyboard.press("Escape")  # the help is a dialog: it takes keys while open
            a.page.wait_for_selector("#help", state="hidden", timeout=1000)
        a.page.wait_for_timeout(300)  # what the click did has arrived
        before = status(a)
        driver = a.text("#driver")
        a.page.keyboard.press("Space")
        expected = "PAUSED" if before == "RUNNING" else "RUNNING"
        for person in (a, b):
            wait_status(person, expected)
        assert a.text("#driver") == driver, f"Space after clicking {selector} also swapped"
        a.page.keyboard.press("s")
        other = "Bob" if driver == "Ann" else "Ann"
        for person in (a, b):
            wait_driver(person, other)
        assert status(a) == expected, f"S after clicking {selector} changed the timer"


def test_keys_typed_into_fields_are_text_and_question_mark_shows_help(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    a = people().open(code)
    a.page.click("#todo-input")
    a.page.keyboard.type("s s ?")
    assert a.page.input_value("#todo-input") == "s s ?"
    a.page.wait_for_timeout(300)
    assert status(a) == "IDLE" and a.text("#driver") == "Ann"
    assert a.page.is_hidden("#help")
    a.page.click("#display")  # focus on nothing in particular
    a.page.keyboard.press("?")
    a.page.wait_for_selector("#help", state="visible", timeout=1000)
    help_text = a.text("#help")
    for words in ("Space", "Start or pause", "Swap roles", "Alt"):
        assert words in help_text
    a.page.keyboard.press("Space")  # not a shortcut while the help is open
    a.page.keyboard.press("Escape")
    a.page.wait_for_selector("#help", state="hidden", timeout=1000)
    a.page.wait_for_timeout(300)
    assert status(a) == "IDLE"
