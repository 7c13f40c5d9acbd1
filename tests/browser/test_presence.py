"""Who is in the room: "N screens" in the header and a quiet "Someone joined" /
"Someone left", across two browser contexts on one server, and (with Redis,
round 2) across two processes; and "Next to drive" beside the roles."""
from __future__ import annotations

import os

import pytest

from databases import redis_env
from browsing import readme_shot
from support import Api

TEST_REDIS = os.environ.get("TEST_REDIS") == "1"


def screens(person, count: int, timeout: float = 3):
    person.page.wait_for_selector(f'#presence[data-screens="{count}"]', timeout=timeout * 1000)


def test_presence_appears_and_disappears_across_two_screens(people, web):
    code = Api(web.url).create_room(600_000, driver="Ada", navigator="Grace")
    a = people().open(code)
    screens(a, 1)
    assert a.text("#presence") == "only you here" and a.text("#next") == "Grace"
    b = people().open(code)
    for person in (a, b):
        screens(person, 2)
        assert person.text("#presence") == "2 screens"
    a.page.wait_for_selector("#notice:has-text('Someone joined.')", timeout=1000)
    assert b.text("#notice") == ""  # B was not told about itself
    a.page.screenshot(path=readme_shot("room-presence.png"))

    b.page.click("#swap")
    a.page.wait_for_function("() => document.getElementById('next').textContent === 'Ada'", timeout=1500)
    b.close()
    screens(a, 1)
    a.page.wait_for_selector("#notice:has-text('Someone left.')", timeout=1000)
    a.page.wait_for_function("() => document.getElementById('notice').textContent === ''", timeout=7000)


@pytest.mark.skipif(not TEST_REDIS, reason="two processes share presence through Redis (round 2)")
def test_presence_across_two_processes(people, start_server, database_url_for):
    env = redis_env()
    url = database_url_for("presence")
    one, two = start_server(env, database_url=url), start_server(env, database_url=url)
    code = Api(one.url).create_room(600_000)
    a = people(server=one).open(code)
    screens(a, 1)
    b = people(server=two).open(code)
    c = people(server=two).open(code)
    for person in (a, b, c):
        screens(person, 3)
    c.close()
    for person in (a, b):
        screens(person, 2)
    b.close()
    screens(a, 1)
