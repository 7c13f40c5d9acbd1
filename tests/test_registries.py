"""EventStreamsRegistry, TimestampRegistry, SchedulerRegistry, access codes, SSE encoding."""
import math
import threading
import time

import pytest

from coding_duo.rooms import access_code
from coding_duo.streams.registry import EventStreamsRegistry, is_close
from coding_duo.streams.sse import encode_comment, encode_event, encode_retry
from coding_duo.timer.domain import Timer
from coding_duo.timer.registries import SchedulerRegistry, TimestampRegistry


def test_broadcast_reaches_every_client_of_the_room_only():
    reg = EventStreamsRegistry()
    a1, a2, b = reg.register("A"), reg.register("A"), reg.register("B")
    assert reg.broadcast("A", "timer", "start") == 2
    chunk = a1.next_chunk(0.1)
    assert chunk == a2.next_chunk(0.1)
    assert b"event: timer\ndata: start\n\n" in chunk
    assert b.next_chunk(0.01) is None


def test_event_ids_increase_in_send_order():
    reg = EventStreamsRegistry()
    client = reg.register("A")
    for n in range(5):
        reg.broadcast("A", "remaining-time", str(n))
    ids = [int(client.next_chunk(0.1).split(b"\n")[0].split(b": ")[1]) for _ in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_full_queue_drops_that_client_without_blocking_others():
    reg = EventStreamsRegistry(queue_size=3)
    slow, fast = reg.register("A"), reg.register("A")
    started = time.monotonic()
    for n in range(10):
        reg.broadcast("A", "remaining-time", str(n))
        fast.next_chunk(0.1)
    assert time.monotonic() - started < 1
    assert slow.dropped and slow.closed.is_set()
    assert reg.count("A") == 1 and reg.dropped_total == 1
    assert is_close(slow.next_chunk(0.1))


def test_unregister_and_counts():
    reg = EventStreamsRegistry()
    clients = [reg.register("A") for _ in range(3)]
    assert reg.count("A") == 3 and reg.total() == 3
    for c in clients:
        reg.unregister(c)
    reg.unregister(clients[0])  # twice is harmless
    assert reg.count("A") == 0 and reg.total() == 0


def test_close_room_sends_close_then_ends():
    reg = EventStreamsRegistry()
    client = reg.register("A")
    reg.close_room("A")
    assert b"event: close\ndata: OK" in client.next_chunk(0.1)
    assert is_close(client.next_chunk(0.1))
    assert reg.count("A") == 0


def test_timestamp_registry_hands_out_copies_and_keeps_the_newest_version():
    reg = TimestampRegistry()
    timer = Timer.new(1000)
    assert reg.put("A", timer, version=3)
    got = reg.get("A")
    got.start(0)
    assert not reg.get("A").running
    assert not reg.put("A", Timer.new(5000), version=2)  # older: ignored
    assert reg.get("A").duration_ms == 1000 and reg.version("A") == 3
    assert reg.put("A", got, version=4)
    assert reg.running() == {"A": got} and reg.version("B") == -1
    reg.remove("A")
    assert reg.get("A") is None and len(reg) == 0


def test_scheduler_registry_jobs_by_room_key_and_one_scheduler_per_process():
    first = SchedulerRegistry(pool_size=2)
    first.start()
    try:
        with pytest.raises(RuntimeError):
            SchedulerRegistry().start()
        fired = threading.Event()
        now_ms = time.time_ns() // 1_000_000
        first.schedule("ROOM1", lambda key: fired.set(), now_ms + 50, 0.05)
        first.schedule("ROOM1", lambda key: fired.set(), now_ms + 50, 0.05)  # replaces
        assert first.keys() == ["ROOM1"]
        assert fired.wait(2)
        first.cancel("ROOM1")
        first.cancel("ROOM1")
        assert not first.has("ROOM1")
    finally:
        first.shutdown()
    again = SchedulerRegistry()
    again.start()  # allowed once the first is gone
    again.shutdown()


def test_access_codes_have_48_bits_and_no_ambiguous_characters():
    assert access_code.BITS >= 48
    assert not set("01ILOU") & set(access_code.ALPHABET)
    codes = {access_code.generate() for _ in range(2000)}
    assert len(codes) == 2000
    code = codes.pop()
    shown = access_code.display(code)
    assert len(shown) == 11 and shown[5] == "-"
    assert access_code.normalize(shown.lower()) == code
    assert access_code.normalize(" " + shown[:5] + " " + shown[6:]) == code
    for bad in ["", "ABC", "0" * 10, "A" * 11, "../../etc", "A" * 100, None, 12]:
        assert access_code.normalize(bad) is None


def test_sse_encoding():
    assert encode_event("timer", "start", 7) == b"id: 7\nevent: timer\ndata: start\n\n"
    assert encode_event("room", {"a": 1}) == b'event: room\ndata: {"a":1}\n\n'
    assert encode_event("x", "a\nb") == b"event: x\ndata: a\ndata: b\n\n"
    assert encode_retry(1500) == b"retry: 1500\n\n"
    assert encode_comment() == b": ping\n\n"
