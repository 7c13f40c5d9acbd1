"""Todos: a delete can be undone for a few seconds and the item comes back on
every screen; a todo row is one Tab stop with its keys inside. On a phone
(390x844, touch) targets are at least 44 px and keyboard hints are hidden. A
completed room reads as read-only and links to a new room."""
from __future__ import annotations

import json
import os

import pytest

from browsing import SHOTS
from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py

PHONE_TOUCH = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def todo_texts(person) -> list[str]:
    return person.page.eval_on_selector_all("#todos .todo .todo-text", "els => els.map(e => e.textContent)")


def wait_texts(person, texts: list[str]):
    person.page.wait_for_function(
        "(t) => JSON.stringify([...document.querySelectorAll('#todos .todo-text')].map(e => e.textContent)) === t",
        arg=json.dumps(texts, separators=(",", ":"), ensure_ascii=False), timeout=2000)


def test_undo_of_a_delete_is_seen_on_both_screens(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    for text in ("one", "two", "three"):
        api.call("POST", f"/api/{code}/todos", {"content": text})
    a, b = people().open(code), people().open(code)
    a.page.click("#todos .todo:nth-child(2) .todo-check")
    for person in (a, b):
        person.page.wait_for_selector("#todos .todo:nth-child(2) .todo-text.done", timeout=1500)
    a.page.click("#todos .todo:nth-child(2) .todo-delete")
    for person in (a, b):
        wait_texts(person, ["one", "three"])
    assert "Deleted “two”" in a.text("#toast") and b.page.is_hidden("#toast")
    a.page.click("#toast-undo")
    for person in (a, b):
        wait_texts(person, ["one", "two", "three"])
        person.page.wait_for_selector("#todos .todo:nth-child(2) .todo-text.done", timeout=1500)
    assert a.page.is_hidden("#toast")

    a.page.click("#todos .todo:nth-child(1) .todo-delete")  # not undone: the offer goes away
    a.page.wait_for_selector("#toast", state="hidden", timeout=8000)
    wait_texts(b, ["two", "three"])


def test_a_todo_row_is_one_tab_stop_with_keys_inside(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    for text in ("one", "two"):
        api.call("POST", f"/api/{code}/todos", {"content": text})
    a = people().open(code)
    a.page.focus("#todo-form button[type=submit]")
    a.page.keyboard.press("Tab")
    assert a.page.evaluate("document.activeElement.dataset.id") == api.call("GET", f"/api/{code}/todos").json()[0]["id"]
    a.page.keyboard.press("ArrowRight")
    assert a.page.evaluate("document.activeElement.className") == "todo-check"
    a.page.keyboard.press("ArrowRight")
    assert "todo-up" in a.page.evaluate("document.activeElement.className")
    a.page.keyboard.press("Tab")  # the next stop is the next todo, not the next button
    assert a.page.evaluate("document.activeElement.querySelector('.todo-text').textContent") == "two"
    a.page.keyboard.press("ArrowLeft")  # wraps to the last control: delete
    assert "todo-delete" in a.page.evaluate("document.activeElement.className")
    a.page.keyboard.press("Escape")
    assert a.page.evaluate("document.activeElement.classList.contains('todo')")
    tab_stops = a.page.evaluate("[...document.querySelectorAll('#todos *')].filter(e => e.tabIndex >= 0).length")
    assert tab_stops == 2


def test_touch_targets_on_a_phone(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    api.call("POST", f"/api/{code}/todos", {"content": "tap me"})
    api.call("POST", f"/api/{code}/category", {"value": "docs"})
    phone = people(**PHONE_TOUCH).open(code)
    targets = phone.page.evaluate("""() => [...document.querySelectorAll(
        'button, a.button, select, input:not([type=checkbox]):not([type=radio]), .check-target')]
      .filter(e => e.offsetParent !== null)
      .map(e => { const r = e.getBoundingClientRect();
                  return {what: e.id || e.className || e.tagName, w: Math.round(r.width), h: Math.round(r.height)}; })""")
    assert len(targets) >= 15 and any(t["what"] == "check-target" for t in targets), targets
    small = [t for t in targets if t["w"] < 44 or t["h"] < 44]
    assert small == [], small
    phone.page.screenshot(path=os.path.join(SHOTS, "room-phone-touch.png"))
    assert phone.page.locator(".keys").first.is_hidden()
    assert all(not el.is_visible() for el in phone.page.query_selector_all(".keys"))
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    # the todo list comes before "Complete room…", which is last on the page
    order = phone.page.evaluate("""() => ['#display', '#todos', '#complete'].map(
        s => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order), order


def test_a_completed_room_looks_read_only_and_links_to_a_new_room(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    api.call("POST", f"/api/{code}/todos", {"content": "done"})
    a = people().open(code)
    a.page.once("dialog", lambda d: d.accept())
    a.page.click("#complete")
    a.page.wait_for_selector("#summary", state="visible", timeout=1500)
    for hidden in ("#todo-form", "#link-form", "#swap", "#toggle", "#todos .item-actions", "#complete"):
        assert a.page.locator(hidden).first.is_hidden(), hidden
    assert "read-only" in a.text("#summary")
    a.page.click("text=Start another room")
    a.page.wait_for_url("**/", timeout=2000)
    assert a.page.is_visible("#create-form")
