"""coduo's own client, end to end: screens that behave as coduo's React client
does (tests/coduo_client.py) in one room, through whole turns, completion and the
retrospective flow."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from coduo_client import EMPTY_JSON, CoduoScreen
from databases import redis_env
from support import Api, stream

TURNS = 5
SIX = ["what went well", "what to keep", "what to try", "줄바꿈\nline two", "", "🙂 thanks"]


def open_screens(base_urls, code):
    return [CoduoScreen(url, code).open() for url in base_urls]


def time_up_sequence(screen):
    """Each time-up as the screen's stream carried it: "0" and the three events after
    it (the room event left out)."""
    events = [(e.event, e.data) for e in screen.stream.events if e.event != "room"]
    return [events[i:i + 4] for i, item in enumerate(events) if item == ("remaining-time", "0")]


def run_turns(screens, api, code, turns=TURNS):
    """Five 1-second turns, each started from a different screen; after each, every
    screen has heard the time-up and its swap request has been answered."""
    for turn in range(1, turns + 1):
        assert screens[turn % len(screens)].start().status_code == 204
        for screen in screens:
            screen.wait(lambda s, n=turn: s.time_ups == n, timeout=5)
        room = api.room(code)
        expected = ("Bob", "Ann") if turn % 2 else ("Ann", "Bob")
        assert (room["driver"], room["navigator"]) == expected, f"turn {turn}"  # one swap
        for screen in screens:
            assert (screen.driver, screen.navigator) == expected
    for screen in screens:
        assert screen.swaps == [204] * turns  # every screen's swap acknowledged
        sequences = time_up_sequence(screen)
        assert len(sequences) == turns
        for sequence in sequences:
            assert [event for event, _ in sequence] == ["remaining-time", "timer",
                                                        "remaining-time", "pair"]
            assert sequence[1][1] == "stop" and sequence[2][1] == "1000"
        assert len(screen.stream.named("pair")) == turns  # no swap but the time-ups'
    state = screens[0].stream.named("room")[-1].json()
    assert state["turnsCompleted"] == turns


def turns_on(base_urls, api):
    """A room of 1-second turns, a coduo screen on each of ``base_urls``."""
    code = api.create_room(1_000)
    screens = open_screens(base_urls, code)
    try:
        run_turns(screens, api, code)
    finally:
        for screen in screens:
            screen.close()


@pytest.mark.parametrize("count", [2, 3])
def test_coduo_screens_hear_every_time_up_and_swap_once_per_turn(server, api, count):
    turns_on([server.url] * count, api)


def test_coduo_screens_on_two_processes_swap_once_per_turn(start_server, database_url_for):
    if os.environ.get("TEST_DATABASE") != "postgres":
        pytest.skip("two processes share PostgreSQL and Redis: round 2 (TEST_DATABASE=postgres)")
    url, env = database_url_for(), redis_env()
    a, b = start_server(env, database_url=url), start_server(env, database_url=url)
    turns_on([a.url, b.url, b.url], Api(a.url))


def test_completion_routes_every_screen_and_the_retrospective_round_trips(server, api):
    code = api.create_room(60_000)
    screens = open_screens([server.url] * 2, code)
    try:
        screens[0].start()
        for screen in screens:
            screen.wait(lambda s: s.running)
        assert screens[1].complete().status_code == 204
        for screen in screens:
            screen.wait(lambda s: s.routed_to == "retrospect")
            assert [d for e, d in screen.handled if e == "timer"] == ["start", "pause", "complete"]
            assert screen.remaining % 1000 == 0  # the pause's value: whole seconds
        # The completed page's questions.
        assert api.call("GET", f"/api/member/{code}/exists").json() == {"exists": True}
        assert api.call("GET", f"/api/member/retrospect/{code}/exists").json() == {
            "existRetrospect": False}
        missing = api.call("GET", f"/api/retrospects/{code}")
        assert missing.status_code == 404 and "no retrospective" in missing.json()["message"]
        # The form: coduo's body exactly.
        posted = api.call("POST", "/api/retrospects", {"accessCode": code, "answers": SIX})
        assert posted.status_code == 201, posted.text
        assert posted.json()["answers"] == SIX and posted.json()["accessCode"] == code
        assert api.call("GET", f"/api/member/retrospect/{code}/exists").json() == {
            "existRetrospect": True}
        assert api.call("GET", f"/api/retrospects/{code}").json()["answers"] == SIX
        # Pushed as a change of the room's retrospectives (the whole list came, empty,
        # with the stream's state).
        assert [e.json() for e in screens[0].stream.named("retrospectives")] == [[]]
        pushed = screens[0].stream.wait_event("retrospectives-change").json()
        assert pushed["op"] == "put" and pushed["index"] == 0 and pushed["item"]["answers"] == SIX
        # A second person answers: added, the first kept; coduo reads the latest.
        second = ["b"] * 6
        assert api.call("POST", "/api/retrospects", {"accessCode": code.lower(), "answers": second,
                                                     "author": "Bob"}).status_code == 201
        read = api.call("GET", f"/api/retrospects/{code}").json()
        assert read["answers"] == second and read["author"] == "Bob"
        assert [r["answers"] for r in read["retrospects"]] == [SIX, second]
        # Deleting it.
        assert api.call("DELETE", f"/api/retrospects/{code}", headers=EMPTY_JSON).status_code == 204
        assert api.call("GET", f"/api/member/retrospect/{code}/exists").json() == {
            "existRetrospect": False}
        assert api.call("GET", f"/api/retrospects/{code}").status_code == 404
        removed = screens[1].stream.wait_for(lambda ev: [e.json()["id"] for e in ev
                                                         if e.event == "retrospectives-change"
                                                         and e.json()["op"] == "remove"] or None)
        assert sorted(removed) == sorted(r["id"] for r in read["retrospects"])
        for screen in screens:  # coduo's client ignores it; nothing else changed for it
            assert screen.swaps == [] and screen.time_ups == 0
    finally:
        for screen in screens:
            screen.close()


def test_member_paths_of_unknown_and_deleted_rooms_are_404_json(api):
    for path in ["/api/member/{c}/exists", "/api/member/retrospect/{c}/exists",
                 "/api/retrospects/{c}"]:
        response = api.call("GET", path.format(c="ZZZZZ-ZZZZZ"))
        assert response.status_code == 404 and response.json()["message"]
    code = api.create_room()
    assert api.call("DELETE", f"/api/pair-room/{code}", headers=EMPTY_JSON).status_code == 204
    assert api.call("GET", f"/api/member/{code}/exists").status_code == 404
    answer = api.call("POST", "/api/retrospects", {"accessCode": code, "answers": SIX})
    assert answer.status_code == 409 and "deleted" in answer.json()["message"]
    unknown = api.call("POST", "/api/retrospects", {"accessCode": "ZZZZZ-ZZZZZ", "answers": SIX})
    assert unknown.status_code == 404


@pytest.mark.parametrize("body", [
    {"answers": SIX},
    {"accessCode": "{c}", "answers": SIX[:5]},
    {"accessCode": "{c}", "answers": SIX + ["seven"]},
    {"accessCode": "{c}", "answers": ["x" * 1001] + SIX[1:]},
    {"accessCode": "{c}", "answers": ["nul\u0000"] + SIX[1:]},
    {"accessCode": "{c}", "answers": [1, 2, 3, 4, 5, 6]},
    {"accessCode": "{c}", "answers": "six answers"},
    {"accessCode": "{c}", "answers": SIX, "author": "   "},
    {"accessCode": "{c}", "answers": SIX, "author": "x" * 51},
])
def test_bad_retrospectives_are_refused_and_store_nothing(api, body):
    code = api.create_room()
    body = {k: (v.format(c=code) if isinstance(v, str) else v) for k, v in body.items()}
    response = api.call("POST", "/api/retrospects", body)
    assert response.status_code == 400 and response.json()["message"], response.text
    assert api.call("GET", f"/api/member/retrospect/{code}/exists").json() == {
        "existRetrospect": False}


# ----- the swap window ---------------------------------------------------------------------

def swap(api, code, body=None):
    if body is None:
        return api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=EMPTY_JSON)
    return api.call("PATCH", f"/api/pair-room/{code}/pair-swap", body)


def time_up(api, client, code, turn):
    assert api.start(code).status_code == 204
    client.wait_for(lambda ev: len([e for e in ev if e.event == "pair"]) >= turn, timeout=4)


def test_many_swaps_at_once_after_a_time_up_make_no_second_swap(server, api):
    """Ten screens' swaps arriving together, over three turns: each turn one swap."""
    code = api.create_room(1_000)
    client = stream(server.url, code)
    try:
        for turn in (1, 2, 3):
            time_up(api, client, code, turn)
            with ThreadPoolExecutor(10) as pool:
                statuses = list(pool.map(lambda _: swap(api, code).status_code, range(10)))
            assert statuses == [204] * 10
            expected = ("Bob", "Ann") if turn % 2 else ("Ann", "Bob")
            room = api.room(code)
            assert (room["driver"], room["navigator"]) == expected, turn
        time.sleep(0.2)
        assert len(client.named("pair")) == 3  # the time-ups' own, nothing more
    finally:
        client.close()


def test_a_person_swapping_or_a_running_turn_is_never_swallowed(server, api):
    code = api.create_room(1_000)
    client = stream(server.url, code)
    try:
        time_up(api, client, code, 1)  # Bob drives
        assert swap(api, code, {"intent": "new"}).status_code == 204  # the room page's button
        assert api.room(code)["driver"] == "Ann"
        assert swap(api, code).status_code == 204  # a coduo screen's, late: acknowledged
        assert api.room(code)["driver"] == "Ann"
        # The next turn runs: a swap now is a new one, whoever asks.
        api.call("PATCH", f"/api/{code}/timer", {"duration": 60_000, "remainingTime": 60_000})
        assert api.start(code).status_code == 204
        assert swap(api, code).status_code == 204
        assert api.room(code)["driver"] == "Bob"
        api.stop(code)
        assert swap(api, code).status_code == 204  # paused mid-turn: swaps too
        assert api.room(code)["driver"] == "Ann"
        for bad in [{"intent": "maybe"}, {"intent": 1}, []]:
            assert swap(api, code, bad).status_code == 400
        assert api.call("PATCH", f"/api/pair-room/{code}/pair-swap", data="x",
                        headers={"Content-Type": "text/plain"}).status_code == 415
        assert api.room(code)["driver"] == "Ann"  # refused requests changed nothing
    finally:
        client.close()


def test_a_new_turn_length_set_after_a_time_up_does_not_make_late_swaps_count(server, api):
    """Between a time-up and the coduo screens' late swaps, someone sets a new turn
    length (the timer is then paused at a fresh length, not as the time-up left it):
    the swaps are still that time-up's. Only a start begins the next turn."""
    code = api.create_room(1_000)
    client = stream(server.url, code)
    try:
        time_up(api, client, code, 1)  # Bob drives
        edited = api.call("PATCH", f"/api/{code}/timer", {"duration": 60_000, "remainingTime": 30_000})
        assert edited.status_code == 204 and api.timer(code)["remainingTime"] == 30_000
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(lambda _: swap(api, code).status_code, range(4))) == [204] * 4
        assert api.room(code)["driver"] == "Bob"
        assert api.start(code).status_code == 204
        api.stop(code)
        assert swap(api, code).status_code == 204  # after a start: a person's swap
        assert api.room(code)["driver"] == "Ann"
    finally:
        client.close()


def test_a_swap_after_the_window_swaps(start_server):
    server = start_server({"TIME_UP_SWAP_WINDOW_SECONDS": "1.5"})
    api = Api(server.url)
    code = api.create_room(1_000)
    client = stream(server.url, code)
    try:
        time_up(api, client, code, 1)
        assert swap(api, code).status_code == 204
        assert api.room(code)["driver"] == "Bob"  # within 1.5 s: acknowledged
        time.sleep(1.6)
        assert swap(api, code).status_code == 204
        assert api.room(code)["driver"] == "Ann"
        client.wait_for(lambda ev: len([e for e in ev if e.event == "pair"]) == 2)
    finally:
        client.close()


# ----- whole seconds ------------------------------------------------------------------------

def test_screens_are_told_whole_seconds_while_the_server_keeps_milliseconds(server, api):
    code = api.create_room(60_000)
    screen = CoduoScreen(server.url, code).open()
    try:
        screen.start()
        screen.wait(lambda s: s.running)
        time.sleep(0.35)
        screen.pause()
        paused = screen.stream.wait_for(lambda ev: [e for e in ev if e.event == "room"
                                                    and e.json()["timer"]["status"] == "PAUSED"])
        exact = api.timer(code)["remainingTime"]  # the server keeps the exact value
        assert paused[0].json()["timer"]["remainingTime"] == exact
        assert exact < 59_800
        whole = -(-exact // 1000) * 1000
        told = [int(e.data) for e in screen.stream.named("remaining-time")]
        assert told[-1] == whole  # the pause's value, rounded up as ticks are (595799 -> 596000)
        assert all(value % 1000 == 0 for value in told)
        screen.wait(lambda s: s.remaining == whole and not s.running)
        again = stream(server.url, code)  # the snapshot on connect too
        try:
            again.wait_event("room")
            assert again.named("remaining-time")[0].data == str(whole)
            assert again.named("room")[0].json()["timer"]["remainingTime"] == exact
        finally:
            again.close()
        mark = len(screen.stream.events)  # only what comes after this start
        screen.start()  # resumes from the exact value
        resumed = screen.stream.wait_for(lambda ev: [e for e in ev[mark:] if e.event == "room"
                                                     and e.json()["timer"]["status"] == "RUNNING"])
        assert resumed[-1].json()["timer"]["remainingTime"] == exact
    finally:
        screen.close()


def test_retrospectives_are_bounded_and_a_room_without_one_spends_no_guessing_budget(start_server):
    server = start_server({"RATE_LIMITS_ENABLED": "true", "MAX_RETROSPECTIVES_PER_ROOM": "3",
                           "UNKNOWN_CODE_LIMIT": "5 per minute"})
    api = Api(server.url)
    code = api.create_room()
    for _ in range(8):  # "none yet" is a 404 about a room the client knows: not a guess
        assert api.call("GET", f"/api/retrospects/{code}").status_code == 404
    assert api.call("GET", f"/api/pair-room/{code}").status_code == 200
    body = {"accessCode": code, "answers": ["a", "b", "c", "d", "e", "f"]}
    assert [api.call("POST", "/api/retrospects", body).status_code for _ in range(4)] == [201, 201, 201, 409]
    refused = api.call("POST", "/api/retrospects", body)
    assert "the most a room can hold" in refused.json()["message"]
    assert len(api.call("GET", f"/api/retrospects/{code}").json()["retrospects"]) == 3


def test_a_screen_that_missed_the_time_up_hears_it_on_reconnect(server):
    """Reconnecting within the swap window after a time-up it missed, a coduo screen
    still gets "0" (it ends turns on nothing else); its swap is the time-up's."""
    api = Api(server.url)
    code = api.create_room(2_000)
    screen = CoduoScreen(server.url, code).open()
    try:
        screen.start()
        screen.wait(lambda s: s.running)
        time.sleep(1.0)
        screen.stream.close()  # gone before the end of the turn
        deadline = time.monotonic() + 5
        while api.room(code)["driver"] == "Ann" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert api.room(code)["driver"] == "Bob", "the server decided the time-up"
        assert screen.time_ups == 0
        screen.reconnect()
        screen.wait(lambda s: s.time_ups == 1 and not s.running)
        assert screen.swaps == [204]
        time.sleep(0.3)
        assert (api.room(code)["driver"], screen.driver) == ("Bob", "Bob"), "one swap, not two"
    finally:
        screen.close()
