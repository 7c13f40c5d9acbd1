"""The room remembers, in the browser: the timeline and the balance follow the turns
live; once the room is completed two people (two browser contexts) answer the
retrospective under their names and each sees the other's answers, and an edit,
at once; "Download report" saves the Markdown report with all of it."""
from __future__ import annotations

import time

from browsing import readme_shot
from support import Api

JSON = {"Content-Type": "application/json"}


def wait_turns(person, count, ended=True, timeout=5000):
    selector = "#timeline li" + ("[data-open=false]" if ended else "")
    person.page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n",
                                  arg=[selector, count], timeout=timeout)


def answer(person, name, index, text):
    page = person.page
    page.select_option("#retro-author", name)
    page.fill(f"#retro-answer-{index}", text)
    page.click("#retro-save")
    page.wait_for_selector("#retro .feedback[data-kind=ok]", timeout=3000)


def answers_shown(person):
    return person.page.eval_on_selector_all(
        "#retro-answers article", "els => els.map(a => [a.querySelector('h4').textContent,"
                                  " [...a.querySelectorAll('dd')].map(d => d.textContent)])")


def test_timeline_balance_retrospective_from_two_screens_and_the_download(people, web):
    api = Api(web.url)
    code = api.call("POST", "/api/pair-room", {"members": ["Ada", "Bea", "Cy"],
                                               "timerDuration": 1_000}).json()["accessCode"]
    a = people().open(code)
    # Three turns: Ada's runs out, Bea's is paused a moment first, Cy's is skipped.
    a.page.click("#toggle")
    wait_turns(a, 1)
    assert a.page.get_attribute("#timeline li", "data-ended") == "time-up"
    api.start(code)
    time.sleep(0.1)
    api.stop(code)
    a.page.wait_for_selector("#timeline li[data-open=true] .turn-how:has-text('paused now')", timeout=3000)
    time.sleep(0.6)
    api.start(code)
    wait_turns(a, 2)
    # A longer turn for Cy (skipped after a moment) and Ada's after it (completed).
    api.call("PATCH", f"/api/{code}/timer", {"duration": 60_000, "remainingTime": 60_000})
    api.start(code)
    time.sleep(0.4)
    api.call("PATCH", f"/api/pair-room/{code}/rotate", headers=JSON)
    wait_turns(a, 3)
    items = a.page.eval_on_selector_all("#timeline li", "els => els.map(li => [li.dataset.ended,"
                                        " li.querySelector('.turn-who').textContent])")
    assert items[:3] == [["time-up", "Ada drove, Bea navigated"], ["time-up", "Bea drove, Cy navigated"],
                         ["skipped", "Cy drove, Ada navigated"]]
    assert items[3][0] == ""  # Ada drives on: the turn under way
    rows = a.page.eval_on_selector_all("#balance-rows tr", "els => els.map(tr => tr.querySelector('th').textContent)")
    assert rows == ["Ada", "Bea", "Cy"]
    assert "paused 0:01" in a.text("#timeline li:nth-child(2) .turn-how")
    a.page.locator("#history-card").screenshot(path=readme_shot("room-history.png"))

    api.call("PATCH", f"/api/pair-room/{code}/status", {"status": "COMPLETED"})
    b = people().open(code)
    for person in (a, b):
        person.page.wait_for_selector("#retro:not([hidden]) #retro-form", state="visible", timeout=3000)
    answer(a, "Ada", 4, "The ping-pong rhythm")
    answer(b, "Bea", 0, "Cy's naming, over mine")
    for person in (a, b):
        person.page.wait_for_function("() => document.querySelectorAll('#retro-answers article').length === 2",
                                      timeout=3000)
        assert answers_shown(person) == [["Ada", ["The ping-pong rhythm"]], ["Bea", ["Cy's naming, over mine"]]]
    # Bea's screen edits Ada's answers (whoever holds the link may): Ada's screen sees it.
    b.page.select_option("#retro-author", "Ada")
    assert b.page.input_value("#retro-answer-4") == "The ping-pong rhythm"
    answer(b, "Ada", 4, "The ping-pong rhythm, and the breaks")
    a.page.wait_for_selector("#retro-answers article dd:has-text('and the breaks')", timeout=3000)
    a.page.locator("#retro").screenshot(path=readme_shot("room-retrospective.png"))

    with a.page.expect_download() as download_info:
        a.page.click("#download-report")
    download = download_info.value
    assert download.suggested_filename == f"coding-duo-{code}.md"
    text = open(download.path(), encoding="utf-8").read()
    for expected in ["| 1 | Ada | Bea |", "| 2 | Bea | Cy |", "| 3 | Cy | Ada |", "handed over",
                     "room completed", "### Ada", "> The ping-pong rhythm, and the breaks", "### Bea",
                     "> Cy's naming, over mine", "## Balance"]:
        assert expected in text, (expected, text)
    a.page.goto(f"/rooms/{code}/report")
    a.page.screenshot(path=readme_shot("room-report.png"), full_page=True)
