"""Roster commands racing time-ups on two app processes (PostgreSQL and Redis): each
change is one transition; every screen sees the same batches in the same order and
ends with the database's roster; every turn's time-up rotates exactly once (the next
present member drives) and a break's time-up rotates nobody."""
from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from coding_duo.mob import roster
from suite_env import round_2_only
from support import Api, stream

pytestmark = [pytest.mark.solo,  # latency and count bounds: run alone (pytest.ini)
              round_2_only()]  # two processes on PostgreSQL and Redis whatever the round: once

ROUNDS = 10


def batches(client):
    """The stream cut at each ``room`` event (the last event of every transition):
    [(events of the batch, its room state)], the first being the snapshot's."""
    cut, current = [], []
    for event in client.events:
        current.append((event.event, event.data))
        if event.event == "room":
            cut.append((current, event.json()))
            current = []
    return cut


def chaos(api: Api, code: str, rng: random.Random, step: int):
    """One command a person (or the mob tool) might send at any moment."""
    members = api.room(code)["members"]
    pick = rng.choice(members)
    choice = rng.randrange(8)
    if choice == 0:
        return api.call("PATCH", f"/api/pair-room/{code}/rotate", headers={"Content-Type": "application/json"})
    if choice == 1:
        return api.call("PATCH", f"/api/pair-room/{code}/rotate", {"driver": pick["id"]})
    if choice == 2:
        return api.call("PATCH", f"/api/pair-room/{code}/members/{pick['id']}", {"away": not pick["away"]})
    if choice == 3:
        return api.call("POST", f"/api/pair-room/{code}/members", {"name": f"X{step}", "position": rng.randrange(3)})
    if choice == 4:
        return api.call("DELETE", f"/api/pair-room/{code}/members/{pick['id']}")
    if choice == 5:
        return api.call("PATCH", f"/api/pair-room/{code}/members/{pick['id']}",
                        {"position": rng.randrange(len(members))})
    if choice == 6:
        return api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers={"Content-Type": "application/json"})
    return api.call("PUT", f"/mob/{code}", {"timer": 1, "user": pick["name"]}) if rng.random() < 0.1 \
        else api.start(code)


def test_roster_commands_racing_time_ups_on_two_processes(pair_of_servers):
    a, b = pair_of_servers
    apis = [Api(a.url), Api(b.url)]
    code = apis[0].call("POST", "/api/pair-room", {"members": ["Ann", "Bob", "Cid", "Dee", "Eve"],
                                                   "timerDuration": 1_000}).json()["accessCode"]
    apis[1].call("PUT", f"/api/pair-room/{code}/breaks", {"every": 2, "duration": 1_000})
    clients = [stream(a.url, code), stream(b.url, code), stream(b.url, code)]
    rng = random.Random(19)
    try:
        for client in clients:
            client.wait_event("room")
        for step in range(ROUNDS):
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda api: api.start(code), apis * 2))
            time.sleep(0.9 + rng.random() * 0.2)  # around the time-up
            with ThreadPoolExecutor(6) as pool:
                list(pool.map(lambda i: chaos(apis[i % 2], code, random.Random(step * 10 + i), step * 10 + i),
                              range(6)))
            time.sleep(1.3)  # a turn (or break) still running ends
        time.sleep(1.5)
        final = apis[0].room(code)
        cut = [batches(c) for c in clients]
    finally:
        for client in clients:
            client.close()
    # The same transitions, in the same order, on every screen (after the snapshot each
    # stream began with; the streams opened at the same version).
    shapes = [[(tuple(e for e in events if e[0] not in ("remaining-time", "presence")), state["members"],
                state["turnsCompleted"]) for events, state in c[1:]] for c in cut]
    assert shapes[0] == shapes[1] == shapes[2]
    # Every screen ends with the database's roster.
    for c in cut:
        last = c[-1][1]
        assert (last["members"], last["driver"], last["navigator"]) == \
            (final["members"], final["driver"], final["navigator"])
    time_ups = breaks = 0
    for (_, before), (events, after) in zip(cut[0], cut[0][1:]):
        if ("timer", "stop") in events:
            if before["timer"]["kind"] == "break":
                breaks += 1
                assert after["members"] == before["members"]
                assert after["turnsCompleted"] == before["turnsCompleted"]
                assert not any(e[0] == "pair" for e in events)
            else:
                time_ups += 1
                assert after["turnsCompleted"] == before["turnsCompleted"] + 1
                assert after["members"] == roster.rotate(before["members"])
        else:
            assert after["turnsCompleted"] == before["turnsCompleted"]
    print(f"\n{len(cut[0]) - 1} transitions, {time_ups} turn time-ups, {breaks} break time-ups")
    assert time_ups >= ROUNDS // 2 and cut[0][-1][1]["turnsCompleted"] == time_ups
