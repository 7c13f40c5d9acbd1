"""Two app processes sharing PostgreSQL and Redis: any process serves any client."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from suite_env import round_2_only
from support import Api, stream

pytestmark = round_2_only()  # two processes on PostgreSQL and Redis whatever the round: once

EMPTY_JSON = {"Content-Type": "application/json"}


@pytest.mark.solo  # a latency bound: run alone (pytest.ini)
def test_a_start_on_one_process_reaches_clients_of_the_other(pair_of_servers):
    a, b = pair_of_servers
    code = Api(a.url).create_room(60_000)
    on_a, on_b = stream(a.url, code), stream(b.url, code)
    try:
        on_a.wait_event("room"), on_b.wait_event("room")
        sent = time.time()
        assert Api(a.url).start(code).status_code == 204
        got = on_b.wait_event("timer", "start", timeout=2)
        assert got.at - sent < 0.1, got.at - sent
        on_a.wait_event("remaining-time", "57000", timeout=4)
        on_b.wait_event("remaining-time", "57000", timeout=4)
        ticks_a = {e.data: e.at for e in on_a.named("remaining-time")[1:]}
        ticks_b = {e.data: e.at for e in on_b.named("remaining-time")[1:]}
        assert list(ticks_a) == list(ticks_b) == ["59000", "58000", "57000"]
        assert max(abs(ticks_a[v] - ticks_b[v]) for v in ticks_a) < 0.05
        # The other direction: a pause on B stops A's clients.
        Api(b.url).stop(code)
        on_a.wait_event("timer", "pause", timeout=1)
        assert Api(a.url).timer(code)["remainingTime"] == Api(b.url).timer(code)["remainingTime"]
    finally:
        on_a.close(), on_b.close()


def test_concurrent_starts_on_two_processes_give_one_start(pair_of_servers):
    a, b = pair_of_servers
    code = Api(a.url).create_room(60_000)
    on_a, on_b = stream(a.url, code), stream(b.url, code)
    try:
        on_a.wait_event("room"), on_b.wait_event("room")
        apis = [Api(a.url), Api(b.url)] * 20
        with ThreadPoolExecutor(40) as pool:
            assert set(pool.map(lambda api: api.start(code).status_code, apis)) == {204}
        on_a.wait_event("remaining-time", "58000", timeout=4)
        on_b.wait_event("remaining-time", "58000", timeout=4)
        for client in (on_a, on_b):
            assert [e.data for e in client.named("timer")] == ["start"]
    finally:
        on_a.close(), on_b.close()


def test_time_up_swaps_roles_once_across_processes(pair_of_servers):
    a, b = pair_of_servers
    code = Api(a.url).create_room(2_000)
    clients = [stream(a.url, code), stream(b.url, code), stream(b.url, code)]
    try:
        Api(b.url).start(code)
        for client in clients:
            client.wait_event("pair", timeout=5)
        time.sleep(0.5)
        for client in clients:
            assert [e.data for e in client.named("timer")] == ["start", "stop"]
            assert len(client.named("pair")) == 1
        room = Api(a.url).room(code)
        assert (room["driver"], room["navigator"]) == ("Bob", "Ann")
        state = clients[0].named("room")[-1].json()
        assert state["turnsCompleted"] == 1
    finally:
        for client in clients:
            client.close()


def test_time_up_happens_once_with_nobody_connected(pair_of_servers):
    a, b = pair_of_servers
    code = Api(a.url).create_room(1_000)
    Api(a.url).start(code)
    time.sleep(1.6)
    room = Api(b.url).room(code)
    assert (room["driver"], room["navigator"]) == ("Bob", "Ann")  # one swap, not two
    assert Api(a.url).timer(code)["remainingTime"] == 1_000


def test_killing_one_process_leaves_the_other_ticking(pair_of_servers):
    a, b = pair_of_servers
    code = Api(a.url).create_room(60_000)
    on_b = stream(b.url, code)
    try:
        Api(a.url).start(code)
        on_b.wait_event("remaining-time", "59000", timeout=3)
        a.kill()
        on_b.wait_event("remaining-time", "57000", timeout=4)
        assert Api(b.url).timer(code)["remainingTime"] < 57_500
    finally:
        on_b.close()


def test_redis_going_away_and_coming_back_heals(pair_of_servers, redis_server):
    a, b = pair_of_servers
    code = Api(a.url).create_room(60_000)
    on_a, on_b = stream(a.url, code), stream(b.url, code)
    try:
        Api(a.url).start(code)
        on_b.wait_event("remaining-time", "59000", timeout=3)
        redis_server.kill()
        time.sleep(0.5)
        mark_b = len(on_b.events)
        on_b.wait_event("remaining-time", after=mark_b, timeout=2)  # still ticking on its own
        # A change made while the bus is down reaches A's clients at once; B's get it
        # from the database: its version check (every 3 s) or its heal once Redis is back.
        assert Api(a.url).call("PATCH", f"/api/pair-room/{code}/pair-swap",
                               headers=EMPTY_JSON).status_code == 204
        on_a.wait_event("pair", timeout=1)
        time.sleep(0.5)
        redis_server.start()
        healed = on_b.wait_for(lambda ev: [e for e in ev[mark_b:] if e.event == "room"
                                           and e.json()["driver"] == "Bob"], timeout=10)
        assert healed
        # Once both have resubscribed (each backs off on its own), the bus works again,
        # both ways. (A batch published before the other resubscribed is not lost either:
        # the resubscribing process resyncs from the database.)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
                "Redis: resubscribed" in open(s.log_path).read() for s in (a, b)):
            time.sleep(0.1)
        Api(b.url).stop(code)
        on_a.wait_event("timer", "pause", timeout=2)
        for server in (a, b):
            with open(server.log_path) as log:
                text = log.read()
            for what in ("the subscription", "publishing", "presence"):  # once each
                assert text.count(f"Redis unavailable for {what}") <= 1
    finally:
        on_a.close(), on_b.close()
