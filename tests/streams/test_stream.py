"""The event stream and the timer it carries, against a real server."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import stream

EMPTY_JSON = {"Content-Type": "application/json"}


def names(events):
    return [(e.event, e.data) for e in events]


def test_headers_first_events_and_ids(server, api):
    code = api.create_room(60_000)
    client = stream(server.url, code)
    try:
        assert client.status == 200
        assert client.response_headers["content-type"].startswith("text/event-stream")
        assert client.response_headers["cache-control"] == "no-cache"
        assert client.response_headers["x-accel-buffering"] == "no"
        client.wait_event("room")
        assert client.retry and client.retry[0].isdigit()
        first = client.events[:3]
        assert [e.event for e in first] == ["connect", "remaining-time", "room"]
        assert first[0].data == "OK" and first[1].data == "60000"
        state = first[2].json()
        assert state["accessCode"] == code and state["driver"] == "Ann"
        assert state["timer"]["status"] == "IDLE" and state["timer"]["endsAt"] is None
        assert abs(state["timer"]["serverTime"] - time.time() * 1000) < 2000
        assert all(e.id for e in client.events)
        assert client.first_byte_at - client.connected_at < 0.5
    finally:
        client.close()


def test_two_clients_see_identical_events_through_a_whole_turn(server, api):
    code = api.create_room(3_000)
    a, b = stream(server.url, code), stream(server.url, code)
    try:
        a.wait_event("room"), b.wait_event("room")
        for client in (a, b):  # both streams counted: nothing more is on its way
            client.wait_event("presence", '{"screens":2}')
        skip_a, skip_b = len(a.events), len(b.events)
        assert api.start(code).status_code == 204
        a.wait_event("pair", timeout=6)
        b.wait_for(lambda ev: any(e.event == "room" and e.json()["turnsCompleted"] == 1 for e in ev))
        a.wait_for(lambda ev: any(e.event == "room" and e.json()["turnsCompleted"] == 1 for e in ev))
        seq_a = [(e.id, e.event, e.data) for e in a.events[skip_a:]]
        seq_b = [(e.id, e.event, e.data) for e in b.events[skip_b:]]
        assert seq_a == seq_b
        # (the turn history's events, first in their batches, are tests/history's)
        assert [(ev, d) for _, ev, d in seq_a if ev not in ("room", "history-change")] == [
            ("timer", "start"),
            ("remaining-time", "2000"), ("remaining-time", "1000"),
            # Time-up: "0" first (coduo's client ends a turn only on it), then stop,
            # the reset duration and the swapped roles.
            ("remaining-time", "0"), ("timer", "stop"), ("remaining-time", "3000"),
            ("pair", '{"driver":"Bob","navigator":"Ann"}'),
        ]
        # Same tick, same moment on both screens.
        ticks_a = [e.at for e in a.named("remaining-time")][-3:]
        ticks_b = [e.at for e in b.named("remaining-time")][-3:]
        assert max(abs(x - y) for x, y in zip(ticks_a, ticks_b)) < 0.05
    finally:
        a.close(), b.close()
    room = api.room(code)
    assert (room["driver"], room["navigator"]) == ("Bob", "Ann")  # swapped exactly once
    assert api.timer(code)["remainingTime"] == 3000


@pytest.mark.solo  # a latency bound: run alone (pytest.ini)
def test_ticks_arrive_on_the_whole_second_of_the_deadline(server, api):
    code = api.create_room(4_500)
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        api.start(code)
        started = client.wait_for(lambda ev: [e for e in ev if e.event == "room"
                                              and e.json()["timer"]["status"] == "RUNNING"])[0]
        ends_at = started.json()["timer"]["endsAt"] / 1000
        client.wait_event("timer", "stop", timeout=8)
        ticks = [e for e in client.named("remaining-time") if e.at < ends_at][1:]
        assert [t.data for t in ticks] == ["4000", "3000", "2000", "1000"]
        for tick in ticks:
            due = ends_at - int(tick.data) / 1000
            assert -0.01 < tick.at - due < 0.15, (tick.data, tick.at - due)
        stop = client.wait_event("timer", "stop")
        assert -0.01 < stop.at - ends_at < 0.15
    finally:
        client.close()


def test_pause_keeps_exact_time_and_resume_continues(server, api):
    code = api.create_room(60_000)
    client = stream(server.url, code)
    try:
        api.start(code)
        client.wait_event("remaining-time", "59000", timeout=3)
        time.sleep(0.3)
        assert api.stop(code).status_code == 204
        client.wait_event("timer", "pause")
        paused = client.wait_for(lambda ev: [e for e in ev if e.event == "room"
                                             and e.json()["timer"]["status"] == "PAUSED"])[0]
        remaining = paused.json()["timer"]["remainingTime"]
        assert 58_500 < remaining < 58_800
        after_pause = len(client.events)
        time.sleep(1.3)
        assert client.events[after_pause:] == []  # no ticks while paused
        assert api.timer(code)["remainingTime"] == remaining
        assert api.stop(code).status_code == 204  # pausing twice changes nothing
        api.start(code)
        tick = client.wait_event("remaining-time", "58000", after=after_pause, timeout=3)
        resumed = [e for e in client.named("room") if e.json()["timer"]["status"] == "RUNNING"][-1]
        assert resumed.json()["timer"]["remainingTime"] == remaining
        # The first tick after resuming comes when the exact remainder crosses 58 s.
        assert abs(tick.at - (resumed.json()["timer"]["endsAt"] / 1000 - 58)) < 0.15
    finally:
        client.close()


def test_reconnect_gets_the_state_at_once(server, api):
    code = api.create_room(60_000)
    api.start(code)
    first = stream(server.url, code)
    first.wait_event("room")
    last_id = first.events[-1].id
    first.close()
    time.sleep(1.2)
    again = stream(server.url, code, **{"Last-Event-ID": last_id})
    try:
        room = again.wait_event("room", timeout=1)
        assert [e.event for e in again.events[:4]] == ["connect", "timer", "remaining-time", "room"]
        assert again.events[1].data == "running"
        state = room.json()["timer"]
        assert state["status"] == "RUNNING"
        assert again.events[2].data in ("58000", "59000")  # whole seconds, rounded up
        assert room.at - again.connected_at < 0.3
    finally:
        again.close()


def test_fifty_concurrent_starts_give_one_start_and_one_job(server, api):
    code = api.create_room(60_000)
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(lambda _: api.start(code).status_code, range(50)))
        assert statuses == [204] * 50
        client.wait_event("remaining-time", "57000", timeout=5)
        assert len([e for e in client.named("timer") if e.data == "start"]) == 1
        ticks = [e.data for e in client.named("remaining-time")][1:]
        assert ticks == sorted(set(ticks), key=int, reverse=True)  # one job: no duplicate ticks
    finally:
        client.close()


def test_commands_work_with_nobody_connected(server, api):
    code = api.create_room(2_000)
    assert api.start(code).status_code == 204
    time.sleep(0.5)
    assert api.timer(code)["remainingTime"] < 1_600
    time.sleep(2)
    room = api.room(code)
    assert (room["driver"], room["navigator"]) == ("Bob", "Ann")
    assert room["remainingTime"] == 2_000


def test_update_while_running_keeps_running_from_new_remaining(server, api):
    code = api.create_room(600_000)
    client = stream(server.url, code)
    try:
        api.start(code)
        client.wait_event("timer", "start")
        mark = len(client.events)
        assert api.call("PATCH", f"/api/{code}/timer",
                        {"duration": 300_000, "remainingTime": 10_500}).status_code == 204
        client.wait_event("timer", "update", after=mark)
        # Screens are told whole seconds (rounded up); the timer keeps the exact 10.5 s.
        assert client.wait_event("remaining-time", after=mark).data == "11000"
        tick = client.wait_event("remaining-time", "10000", after=mark, timeout=2)
        timer = api.timer(code)
        assert timer["duration"] == 300_000 and 9_000 < timer["remainingTime"] <= 10_000
        # The ticks follow the new deadline's whole seconds, not the old ones.
        updated = [e for e in client.events[mark:] if e.event == "room"][0].json()["timer"]
        assert abs(tick.at - (updated["endsAt"] / 1000 - 10)) < 0.15
    finally:
        client.close()


def test_deleting_the_room_closes_its_streams(server, api):
    code = api.create_room(60_000)
    a, b = stream(server.url, code), stream(server.url, code)
    a.wait_event("room"), b.wait_event("room")
    assert api.call("DELETE", f"/api/pair-room/{code}").status_code == 204
    for client in (a, b):
        client.wait_event("close", "OK")
        assert client.wait_ended(3)
    assert stream(server.url, code).status == 404


def test_disconnect_endpoint_closes_every_stream(server, api):
    code = api.create_room(60_000)
    a = stream(server.url, code)
    a.wait_event("room")
    assert api.call("DELETE", f"/api/{code}/connect").status_code == 204
    a.wait_event("close", "OK")
    assert a.wait_ended(3)
    assert api.room(code)["status"] == "IN_PROGRESS"  # the room itself stays


def test_heartbeat_comment_when_idle(server, api):
    code = api.create_room(60_000)  # HEARTBEAT_SECONDS=2 in tests
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        time.sleep(2.6)
        assert ("ping", ) == tuple(c[0] for c in client.comments[:1])
        assert client.comments[0][1] - client.events[-1].at >= 1.9
    finally:
        client.close()


def test_swap_is_pushed_to_the_room(server, api):
    code = api.create_room(60_000)
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=EMPTY_JSON)
        assert client.wait_event("pair").json() == {"driver": "Bob", "navigator": "Ann"}
    finally:
        client.close()
