"""Accessibility, audited and tested: axe-core (axe-playwright-python ships it,
no network) finds no violation on the home page, a running room, a completed room
and the error page, in the light and the dark colour scheme, in English and Korean; and what axe cannot
see: the time-up said to screen readers once (not the display every second),
roles and connection state in words (not colour alone), visible focus, and a
keyboard-only walk from the home page to a completed room."""
from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from browsing import furnished_room, readme_shot
from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py

AXE = Axe()
SCHEMES = ["light", "dark"]


def violations(page) -> dict[str, list[str]]:
    """rule id -> the offending elements (their selectors), for the whole page."""
    found = AXE.run(page).response["violations"]
    return {v["id"]: [" ".join(node["target"]) for node in v["nodes"]] for v in found}


def audit_rooms(person, api: Api, said: dict) -> dict:
    """axe on a room running with the alerts offered, at time-up, running with its
    lists, and completed; `said`: words each state shows in the page's language."""
    page, found = person.page, {}
    short = api.create_room(1_000)
    person.open(short)
    assert api.start(short).status_code == 204
    page.wait_for_selector('#alert-offer', state="visible", timeout=1500)
    found["running room, alerts offered"] = violations(page)
    page.wait_for_selector('#display[data-status="TIME_UP"]', timeout=3000)
    page.wait_for_function("() => document.getElementById('announce').textContent !== ''", timeout=2000)
    assert said["time-up"] in page.inner_text("#announce")
    found["time-up room"] = violations(page)

    code = furnished_room(api)
    person.open(code)
    page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
    assert api.start(code).status_code == 204
    page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1500)
    assert page.inner_text("#timer-status") == said["running"]
    found["running room"] = violations(page)

    assert api.call("PATCH", f"/api/pair-room/{code}/status", {"status": "COMPLETED"}).status_code in (200, 204)
    page.wait_for_selector('#room[data-status="COMPLETED"]', timeout=1500)
    assert said["completed"] in page.inner_text("#summary")
    found["completed room"] = violations(page)
    return found


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_axe_violations_on_the_pages_in_both_colour_schemes(people, web, scheme):
    api = Api(web.url)
    person = people(color_scheme=scheme)
    page = person.page
    found = {}

    page.goto("/")
    found["home"] = violations(page)

    found.update(audit_rooms(person, api, {"time-up": "Time is up!", "running": "running",
                                           "completed": "Room completed"}))

    page.goto("/rooms/AAAAA-AAAAA")
    assert "Not found" in page.inner_text("h1")
    person.problems = [p for p in person.problems if "404 (NOT FOUND)" not in p]  # that page's own status
    found["error page"] = violations(page)

    print(scheme, found)
    assert all(not v for v in found.values()), found


# Every change of text in a live region (aria-live, or a role that is one), as it is read.
WATCH_LIVE = """
window.spoken = [];
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((records) => {
    for (const r of records) {
      const region = (r.target.nodeType === 1 ? r.target : r.target.parentElement)
        .closest("[aria-live], [role=status], [role=alert], [role=log], [role=timer], [role=marquee]");
      // A hidden region is not read (its text may change unseen).
      if (region && region.getAttribute("aria-live") !== "off" && region.checkVisibility()) {
        window.spoken.push([region.id || region.className, region.textContent.trim()]);
      }
    }
  }).observe(document.body, { childList: true, characterData: true, subtree: true });
});
"""

IN_LIVE_REGION = """(el) => !!el.closest(
  "[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log], [role=timer], [role=marquee]")"""


def test_time_up_is_said_once_and_the_countdown_is_not_read_every_second(people, web):
    api = Api(web.url)
    code = api.create_room(3_000)
    person = people()
    person.page.add_init_script(WATCH_LIVE)
    person.open(code)
    page = person.page
    page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
    for selector in ("#display", "#progress", "#timer-status"):
        assert not page.eval_on_selector(selector, IN_LIVE_REGION), f"{selector} is in a live region"
    page.evaluate("window.spoken = []")
    assert api.start(code).status_code == 204
    page.wait_for_selector('#display[data-status="TIME_UP"]', timeout=5000)
    time.sleep(2.5)  # the held 00:00 and the next seconds say nothing more
    said = [text for _, text in page.evaluate("window.spoken") if text]
    assert said == ["Time is up! Bob drives now, Ann navigates."], said
    assert page.inner_text("#announce") == said[0]


def test_roles_and_connection_state_are_words_not_colour_alone(people, web):
    api = Api(web.url)
    code = api.create_room(600_000)
    person = people().open(code)
    page = person.page
    assert person.text("#connection") == "live"
    assert page.eval_on_selector("#connection", "el => el.getAttribute('role')") == "status"
    roles = person.text(".roles")
    assert "Driver" in roles and "Ann" in roles and "Navigator" in roles and "Bob" in roles
    assert person.text("#timer-status") == "idle"
    person.context.set_offline(True)
    page.wait_for_function("() => ['offline', 'reconnecting…'].includes("
                           "document.getElementById('connection').textContent)", timeout=5000)
    person.context.set_offline(False)
    assert page.get_attribute("#sound", "aria-pressed") == "false" and person.text("#sound") == "Enable sound"


FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return { id: el.id || el.className || el.tagName, tag: el.tagName,
           outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
           shadow: style.boxShadow !== "none" };
}"""


def test_every_control_shows_its_focus(people, web):
    api = Api(web.url)
    code = furnished_room(api)
    for path in ("/", f"/rooms/{code}"):
        person = people()
        person.page.goto(path)
        seen = []
        for _ in range(60):
            person.page.keyboard.press("Tab")
            focus = person.page.evaluate(FOCUS_RING)
            if focus["tag"] == "BODY" or (seen and focus == seen[0]):
                break  # round the page once
            seen.append(focus)
        assert len(seen) >= 5, seen
        unseen = [f["id"] for f in seen if not (f["outline"] or f["shadow"])]
        assert not unseen, f"{path}: no visible focus on {unseen}"


def focus_on(page, selector: str, presses: int = 40) -> list[str]:
    """Tab (only) until `selector` has the focus; the stops on the way."""
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return stops
    raise AssertionError(f"{selector} not reached by Tab: {stops}")


def test_keyboard_only_from_the_home_page_to_a_completed_room(people, web):
    person = people()
    page = person.page
    page.goto("/")
    focus_on(page, "input[name=driver]")
    page.keyboard.type("Ann")
    page.keyboard.press("Tab")
    page.keyboard.type("Bob")
    page.keyboard.press("Enter")  # submits the form: the new room
    page.wait_for_url("**/rooms/*", timeout=5000)
    person.wait_live()

    before_start = focus_on(page, "#toggle")
    assert before_start.index("copy-code") < before_start.index("swap") < len(before_start) - 1, before_start
    page.keyboard.press("Enter")
    page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1500)
    focus_on(page, "#offer-no")  # the offer of sound and notifications, next in order
    page.keyboard.press("Enter")
    assert page.is_hidden("#alert-offer")

    focus_on(page, "#todo-input")
    page.keyboard.type("Write the failing test")
    page.keyboard.press("Enter")
    page.wait_for_selector("#todos .todo .todo-text:text('Write the failing test')", timeout=2000)
    focus_on(page, "#todos .todo")
    page.keyboard.press("ArrowRight")  # the row's checkbox
    assert page.evaluate("document.activeElement.classList.contains('todo-check')")
    page.keyboard.press("Space")
    page.wait_for_selector("#todos .todo-text.done", timeout=2000)
    assert page.get_attribute("#display", "data-status") == "RUNNING"  # Space on a checkbox is not the shortcut

    page.once("dialog", lambda dialog: dialog.accept())  # "Complete this room?"
    focus_on(page, "#complete", presses=60)
    page.keyboard.press("Enter")
    page.wait_for_selector('#room[data-status="COMPLETED"]', timeout=2000)
    assert page.is_visible("#summary")
    assert "1 of 1 todos done" in person.text("#summary-text")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_korean_pages_have_no_axe_violations_and_the_switcher_works_by_keyboard(people, web, scheme):
    person = people(color_scheme=scheme, locale="ko-KR")
    page = person.page
    page.goto("/")
    assert page.get_attribute("html", "lang") == "ko" and "페어 룸 만들기" in page.inner_text("h1")
    found = {"home": violations(page)}
    if scheme == "light":
        page.screenshot(path=readme_shot("home-ko.png"))

    found.update(audit_rooms(person, Api(web.url), {"time-up": "시간 종료!", "running": "진행 중",
                                                      "completed": "룸 완료"}))
    page.goto("/no/such/page")
    assert "찾을 수 없음" in page.inner_text("h1")
    person.problems = [p for p in person.problems if "404 (NOT FOUND)" not in p]  # that page's own status
    found["error page"] = violations(page)
    assert all(not v for v in found.values()), found
    page.goto("/")
    focus_on(page, "button[value=en]")
    page.keyboard.press("Enter")
    page.wait_for_selector("html[lang=en]", timeout=3000)
    assert "Start a pair room" in page.inner_text("h1")
    assert page.get_attribute("button[value=en]", "aria-current") == "true"
