"""Breaks: a break of B after every K turns; its time-up rotates nobody; skip one,
start one by hand."""
import pytest

from support import stream

EMPTY_JSON = {"Content-Type": "application/json"}


def create_mob(api, names, duration_ms):
    response = api.call("POST", "/api/pair-room", {"members": names, "timerDuration": duration_ms})
    return response.json()["accessCode"]


def run_to_time_up(api, client, code):
    mark = len(client.events)
    assert api.start(code).status_code == 204
    stop = client.wait_event("timer", "stop", after=mark, timeout=5)
    # the room event that follows the time-up
    client.wait_for(lambda ev: any(e.event == "room" for e in ev[ev.index(stop):]))
    after = client.events[client.events.index(stop):]
    room = next(e for e in after if e.event == "room").json()
    pairs = [e.json() for e in after if e.event == "pair"]
    return room, pairs


def test_k2_turn_turn_break_turn_and_the_break_rotates_nobody(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"], 1_000)
    assert api.call("PUT", f"/api/pair-room/{code}/breaks",
                    {"every": 2, "duration": 1_000}).status_code == 204
    client = stream(server.url, code)
    kinds, drivers = [], []
    try:
        state = client.wait_event("room").json()
        assert state["breaks"] == {"every": 2, "duration": 1_000, "turnsUntilBreak": 2}
        assert state["timer"]["kind"] == "turn"
        for _ in range(5):
            kinds.append(api.timer(code)["kind"])
            room, pairs = run_to_time_up(api, client, code)
            drivers.append(room["driver"])
            assert bool(pairs) == (kinds[-1] == "turn")  # a break's time-up: no pair event
        kinds.append(api.timer(code)["kind"])
    finally:
        client.close()
    assert kinds == ["turn", "turn", "break", "turn", "turn", "break"]
    assert drivers == ["Bob", "Cid", "Cid", "Ann", "Bob"]


def test_skip_a_break_and_start_one_by_hand(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"], 1_000)
    api.call("PUT", f"/api/pair-room/{code}/breaks", {"every": 1, "duration": 30_000})
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        run_to_time_up(api, client, code)
        timer = api.timer(code)
        assert (timer["kind"], timer["duration"]) == ("break", 30_000)
        assert api.call("PATCH", f"/api/pair-room/{code}/break/skip",
                        headers=EMPTY_JSON).status_code == 204
        timer = api.timer(code)
        assert (timer["kind"], timer["duration"], timer["remainingTime"]) == ("turn", 1_000, 1_000)
        # Nothing to skip now: 409, nothing changed.
        response = api.call("PATCH", f"/api/pair-room/{code}/break/skip", headers=EMPTY_JSON)
        assert response.status_code == 409 and "not on a break" in response.json()["message"]
        # A break by hand: running at once, the room's length or the one asked for.
        assert api.call("PATCH", f"/api/pair-room/{code}/break/start",
                        {"duration": 60_000}).status_code == 204
        client.wait_for(lambda ev: ev[-1].event == "room"
                        and ev[-1].json()["timer"]["kind"] == "break"
                        and ev[-1].json()["timer"]["status"] == "RUNNING")
        assert api.timer(code)["duration"] == 60_000
        roles = api.room(code)["driver"]
        api.call("PATCH", f"/api/pair-room/{code}/break/skip", headers=EMPTY_JSON)
        assert api.timer(code)["kind"] == "turn" and api.room(code)["driver"] == roles
    finally:
        client.close()


@pytest.mark.parametrize("body", [{"every": -1, "duration": 60_000}, {"every": 2},
                                  {"every": "2", "duration": 60_000},
                                  {"every": 2, "duration": 10}, {"every": 101, "duration": 60_000}])
def test_bad_break_settings_are_refused(api, body):
    code = create_mob(api, ["Ann", "Bob", "Cid"], 60_000)
    before = api.room(code)
    response = api.call("PUT", f"/api/pair-room/{code}/breaks", body)
    assert response.status_code == 400, response.text
    assert api.room(code) == before


def test_breaks_are_off_by_default_and_a_pair_is_untouched(api):
    code = api.create_room()
    room = api.room(code)
    assert room["breaks"] == {"every": 0, "duration": 0, "turnsUntilBreak": None}
