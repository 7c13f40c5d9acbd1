"""A mob room in the browser: three people (contexts) in a four-member room see
the same roster, rotation (time-up and skip), away, the break screen and the goal;
a pair room looks as it always did (Swap roles, no mob controls)."""
from __future__ import annotations

from browsing import readme_shot
from support import Api


def roles(person):
    return person.text("#driver"), person.text("#navigator")


def wait_roles(person, driver, navigator, timeout=3000):
    person.page.wait_for_function(
        "([d, n]) => document.getElementById('driver').textContent === d"
        " && document.getElementById('navigator').textContent === n", arg=[driver, navigator],
        timeout=timeout)


def member_names(person):
    return person.page.eval_on_selector_all("#members .member-name", "els => els.map(e => e.textContent)")


def test_three_screens_in_a_room_of_four(people, web):
    api = Api(web.url)
    response = api.call("POST", "/api/pair-room", {"members": ["Ada", "Bea", "Cy", "Dot"],
                                                   "timerDuration": 2_000})
    code = response.json()["accessCode"]
    screens = [people().open(code) for _ in range(3)]
    a, b, c = screens
    for person in screens:
        assert roles(person) == ("Ada", "Bea")
        assert member_names(person) == ["Ada", "Bea", "Cy", "Dot"]
        assert person.page.is_hidden("#swap") and person.page.is_visible("#skip")
        assert person.page.is_visible("#members") and person.page.is_hidden("#goal")

    # The goal, set on one screen, is on all three.
    a.page.fill("#goal-input", "Ship mob mode")
    a.page.click("#goal-form button[type=submit]")
    for person in screens:
        person.page.wait_for_selector("#goal-text:has-text('Ship mob mode')", timeout=3000)

    # Time-up rotates once: Bea drives, Cy navigates, on every screen.
    b.page.click("#toggle")
    for person in screens:
        wait_roles(person, "Bea", "Cy", timeout=5000)

    # Cy steps away (on C's screen): Dot navigates; skip (on A's): Dot drives, Ada navigates.
    c.page.click("#members li[data-id='3'] button[data-action='away']")
    for person in screens:
        wait_roles(person, "Bea", "Dot")
        person.page.wait_for_selector("#members li[data-id='3'][data-role='away']", timeout=3000)
    a.page.click("#skip")
    for person in screens:
        wait_roles(person, "Dot", "Ada")

    # Reorder with the keyboard: Bea (third in the order of turns) moves up: she navigates.
    b.page.focus("#members li[data-id='2']")
    b.page.keyboard.press("Alt+ArrowUp")
    for person in screens:
        person.page.wait_for_function(
            "() => [...document.querySelectorAll('#members .member-name')].map(e => e.textContent)"
            ".join() === 'Dot,Bea,Ada,Cy'", timeout=3000)
        wait_roles(person, "Dot", "Bea")

    # Make Bea driver from C's screen.
    c.page.click("#members li[data-id='2'] button[data-action='drive']")
    for person in screens:
        wait_roles(person, "Bea", "Ada")

    # A break by hand: the break screen on all three; skipping it ends it everywhere.
    b.page.fill("#break-minutes", "5")
    b.page.click("#break-start")
    for person in screens:
        person.page.wait_for_selector("#break-screen", state="visible", timeout=3000)
        assert "Bea" in person.text("#break-screen")
        assert person.text("#duration-label") == "Break length"  # the field sets the break's
    a.page.screenshot(path=readme_shot("room-mob-break.png"))
    c.page.click("#break-skip")
    for person in screens:
        person.page.wait_for_selector("#break-screen", state="hidden", timeout=3000)
        assert person.text("#duration-label") == "Turn length"
        assert roles(person) == ("Bea", "Ada")  # a break rotates nobody
    a.page.screenshot(path=readme_shot("room-mob.png"), full_page=True)


def test_a_pair_room_has_no_mob_controls(people, web):
    code = Api(web.url).create_room(600_000, driver="Ada", navigator="Grace")
    a = people().open(code)
    assert a.page.is_visible("#swap") and a.page.is_hidden("#skip")
    # Today's page: the mob tools are one folded line, no goal card.
    assert a.page.evaluate("document.getElementById('mob-tools').open") is False
    assert a.page.is_hidden("#goal") and a.page.is_hidden("#members")
    assert member_names(a) == ["Ada", "Grace"]
    assert a.page.locator("#members button[data-action='remove']").count() == 0
    assert a.page.locator("#members button[data-action='away'][disabled]").count() == 2
    a.page.click("#swap")
    wait_roles(a, "Grace", "Ada")


def test_the_home_page_creates_a_room_of_four(people, web):
    a = people()
    a.page.goto("/")
    a.page.fill("input[name=driver]", "Ada")
    a.page.fill("input[name=navigator]", "Bea")
    for name in ("Cy", "Dot"):
        a.page.click("#add-member")
        a.page.fill("#more-members label:last-child input", name)
    a.page.click("#create-form button[type=submit]")
    a.wait_live()
    assert member_names(a) == ["Ada", "Bea", "Cy", "Dot"]
    assert roles(a) == ("Ada", "Bea")
