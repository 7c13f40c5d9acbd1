"""A mob room on two app processes (PostgreSQL and Redis): rotation is decided once
under concurrent time-ups (both processes tick the room) and commands from both."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from suite_env import round_2_only
from support import Api, stream

pytestmark = round_2_only()  # two processes on PostgreSQL and Redis whatever the round: once

EMPTY_JSON = {"Content-Type": "application/json"}
TURNS = 8


def test_four_member_rotation_is_decided_once_across_processes(pair_of_servers):
    a, b = pair_of_servers
    apis = [Api(a.url), Api(b.url)]
    response = apis[0].call("POST", "/api/pair-room", {"members": ["Ann", "Bob", "Cid", "Dee"],
                                                       "timerDuration": 1_000})
    code = response.json()["accessCode"]
    clients = [stream(a.url, code), stream(a.url, code), stream(b.url, code), stream(b.url, code)]
    try:
        for client in clients:
            client.wait_event("room")
        # Dee is away for turns 3 and 4 (set on B, while A's screens watch).
        for turn in range(TURNS):
            marks = [len(c.events) for c in clients]
            if turn == 2:
                apis[1].call("PATCH", f"/api/pair-room/{code}/members/4", {"away": True})
            if turn == 4:
                apis[0].call("PATCH", f"/api/pair-room/{code}/members/4", {"away": False})
            with ThreadPoolExecutor(8) as pool:  # starts from both processes at once
                list(pool.map(lambda api: api.start(code), apis * 4))
            for client, mark in zip(clients, marks):
                stop = client.wait_event("timer", "stop", after=mark, timeout=5)
                client.wait_event("pair", after=client.events.index(stop), timeout=2)
            # Every screen's coduo-style swap right after the time-up: absorbed, both sides.
            with ThreadPoolExecutor(8) as pool:
                statuses = set(pool.map(lambda api: api.call(
                    "PATCH", f"/api/pair-room/{code}/pair-swap", headers=EMPTY_JSON).status_code,
                    apis * 4))
            assert statuses == {204}
        time.sleep(0.5)
        sequences = [[(e.event, e.data) for e in c.events if e.event in ("pair", "timer")]
                     for c in clients]
        rosters = [c.named("room")[-1].json()["members"] for c in clients]
    finally:
        for client in clients:
            client.close()
    # By hand: the next present member drives at every time-up; Dee's going away
    # while she navigates hands her place to Ann at once (its own pair event).
    pairs = [json.loads(d) for e, d in sequences[0] if e == "pair"]
    assert [(p["driver"], p["navigator"]) for p in pairs] == [
        ("Bob", "Cid"), ("Cid", "Dee"), ("Cid", "Ann"),  # Dee away
        ("Ann", "Bob"), ("Bob", "Cid"),  # Dee back: nothing changes at once
        ("Cid", "Dee"), ("Dee", "Ann"), ("Ann", "Bob"), ("Bob", "Cid")]
    assert sequences[0] == sequences[1] == sequences[2] == sequences[3]
    assert [d for e, d in sequences[0] if e == "timer"] == ["start", "stop"] * TURNS
    assert rosters[0] == rosters[1] == rosters[2] == rosters[3]
    room = apis[1].room(code)
    assert (room["driver"], room["navigator"]) == ("Bob", "Cid")
