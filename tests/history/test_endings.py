"""How turns end, each by the command that ends it, through the real server: `mob start`
over a running turn (restarted), a break started by hand (break) and skipped
(skipped), a full new length on a paused turn (reset), a swap while paused (skipped,
and the next turn begins paused), a turn that never ran dropped, the away driver
handing over (skipped), the room completed. And a room at its cap of turns: what its
screens show stays in order as the oldest are let go."""
from __future__ import annotations

import time

from screens import history_shown
from support import Api, stream

JSON = {"Content-Type": "application/json"}


def endings(api, code):
    data = api.call("GET", f"/api/{code}/report").json()
    timeline = sorted(data["turns"] + data["breaks"], key=lambda t: t["id"])
    return [(t["kind"], t["driver"], t["ended"]) for t in timeline]


def test_each_command_ends_the_turn_as_it_should(server, api):
    code = api.call("POST", "/api/pair-room", {"members": ["Ann", "Bob", "Cy"],
                                               "timerDuration": 60_000}).json()["accessCode"]
    client = stream(server.url, code)
    try:
        client.wait_event("history")
        api.start(code)
        time.sleep(0.05)
        assert api.call("PUT", f"/mob/{code}", {"timer": 2, "user": "Bob"}).status_code == 200
        api.call("PATCH", f"/api/pair-room/{code}/break/start", {"duration": 60_000})
        api.call("PATCH", f"/api/pair-room/{code}/break/skip", headers=JSON)
        assert endings(api, code) == [("turn", "Ann", "restarted"), ("turn", "Bob", "break"),
                                      ("break", "Bob", "skipped")]
        api.start(code)
        api.stop(code)
        api.call("PATCH", f"/api/{code}/timer", {"duration": 60_000, "remainingTime": 60_000})
        api.start(code)
        time.sleep(0.05)
        api.stop(code)
        api.call("PATCH", f"/api/pair-room/{code}/rotate", headers=JSON)  # handed over while paused
        assert endings(api, code)[3:] == [("turn", "Bob", "reset"), ("turn", "Bob", "skipped"),
                                          ("turn", "Cy", None)]
        turn = api.call("GET", f"/api/{code}/report").json()["turns"][-1]
        assert turn["pausedAt"] is not None and turn["actualMs"] == 0
        api.call("PATCH", f"/api/{code}/timer", {"duration": 60_000, "remainingTime": 60_000})
        assert endings(api, code)[-1] == ("turn", "Bob", "skipped")  # Cy's never ran: dropped
        client.wait_for(lambda ev: [e for e in ev if e.event == "history-change"
                                    and e.json() == {"op": "remove", "id": turn["id"]}])
        api.start(code)
        members = api.call("GET", f"/api/pair-room/{code}/members").json()["members"]
        api.call("PATCH", f"/api/pair-room/{code}/members/{members[0]['id']}", {"away": True})
        api.call("PATCH", f"/api/pair-room/{code}/status", {"status": "COMPLETED"})
        assert endings(api, code)[-2:] == [("turn", "Cy", "skipped"), ("turn", "Ann", "completed")]
    finally:
        client.close()


def test_a_room_at_its_cap_of_turns_stays_in_order_on_screen(start_server):
    server = start_server({"MAX_TURNS_PER_ROOM": "4"})
    api = Api(server.url)
    code = api.call("POST", "/api/pair-room", {"members": ["Ann", "Bob", "Cy"],
                                               "timerDuration": 60_000}).json()["accessCode"]
    client = stream(server.url, code)
    try:
        client.wait_event("history")
        api.start(code)
        for _ in range(8):  # each hand-over ends a turn, begins one, lets the oldest go
            assert api.call("PATCH", f"/api/pair-room/{code}/rotate", headers=JSON).status_code == 204
        timeline = api.call("GET", f"/api/{code}/report").json()["turns"]
        assert [t["number"] for t in timeline] == [6, 7, 8, 9]
        client.wait_for(lambda ev: [e for e in ev if e.event == "history-change"
                                    and e.json().get("item", {}).get("number") == 9])
        shown = history_shown(client.events)
        assert [t["number"] for t in shown] == [6, 7, 8, 9]
        assert [t for t in shown if t["endedAt"]] == [t for t in timeline if t["endedAt"]]
    finally:
        client.close()
