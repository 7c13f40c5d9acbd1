"""Memory bounded by live rooms: what a process keeps of a room is let go once the
room is idle, and a room that comes back works exactly as before."""
import re
import time

import pytest

from coding_duo.rooms.locks import RoomLocks
from coding_duo.timer.domain import Timer
from coding_duo.timer.registries import TimestampRegistry
from support import Api, stream

pytestmark = pytest.mark.solo  # latency and count bounds: run alone (pytest.ini)


def entries(api) -> dict[str, float]:
    text = api.call("GET", "/metrics").text
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r'^coding_duo_room_entries\{structure="(\w+)"\} (\S+)$', text, re.M)}


def wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    return predicate()


def test_the_timestamp_registry_lets_idle_rooms_go_but_never_running_ones():
    now = [100.0]
    registry = TimestampRegistry(clock=lambda: now[0])
    registry.put("IDLE", Timer.new(60_000), 1)
    running = Timer.new(60_000)
    running.start(1_000)
    registry.put("RUNS", running, 1)
    now[0] += 30
    assert registry.get("USED") is None and registry.idle(0) == ["IDLE"]
    registry.put("USED", Timer.new(60_000), 1)
    assert registry.idle(20) == ["IDLE"]
    assert registry.discard_idle("IDLE", 20) and len(registry) == 2
    assert not registry.discard_idle("RUNS", 20)
    assert not registry.discard_idle("USED", 20)
    now[0] += 30
    registry.get("USED")  # a read is a use
    assert registry.idle(20) == []


def test_room_locks_are_a_fixed_set_one_lock_per_room_key():
    locks = RoomLocks(stripes=64)
    assert locks("ABCDEFGHJK") is locks("ABCDEFGHJK")
    assert len({id(locks(f"ROOM{n:06d}")) for n in range(10_000)}) <= 64


def test_registries_shrink_to_the_active_rooms_and_a_room_comes_back_intact(start_server):
    server = start_server({"ROOM_MEMORY_IDLE_SECONDS": "6"})
    api = Api(server.url)
    codes = [api.create_room(60_000) for _ in range(40)]
    for code in codes:  # opened, started, paused and left
        client = stream(server.url, code)
        api.start(code)
        client.wait_event("timer", "start")
        api.stop(code)
        client.wait_event("timer", "pause")
        api.call("POST", f"/api/{code}/todos", {"content": f"todo of {code}"})
        client.close()
    watched, running = api.create_room(60_000), api.create_room(600_000)
    keep = stream(server.url, watched)
    api.start(running)  # running with nobody connected: it must stay
    running_since = time.monotonic()
    before = entries(api)
    assert before["timers"] >= 42, before
    after = wait_until(lambda: (e := entries(api)) and e["timers"] <= 2 and e, 25)
    assert after and after["timers"] == 2, after
    for structure in ("delivered", "ticking", "last_tick", "emptied"):
        assert after[structure] <= 2, (structure, after)
    left, counted = api.timer(running)["remainingTime"], (time.monotonic() - running_since) * 1000
    assert abs((600_000 - left) - counted) < 2_000, (left, counted)  # it ran on all along

    # A room that was let go comes back exactly as it was: paused time, lists, streams.
    code = codes[7]
    paused = api.timer(code)
    assert 0 < paused["remainingTime"] < 60_000
    client = stream(server.url, code)
    todos = client.wait_event("todos").json()
    assert [t["content"] for t in todos] == [f"todo of {code}"]
    api.start(code)
    client.wait_event("timer", "start")
    tick = client.wait_event("remaining-time", after=len(client.events), timeout=3)
    assert int(tick.data) <= paused["remainingTime"]
    api.call("PATCH", f"/api/pair-room/{code}/pair-swap")
    assert client.wait_event("pair").json()["driver"]
    client.close()
    keep.close()
