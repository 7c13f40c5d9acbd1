"""What a process's screens were told (coding_duo/timer/told.py), judged from a batch
or from the room a snapshot read."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from coding_duo.streams.bus import Batch
from coding_duo.timer.domain import Timer, TimerStatus
from coding_duo.timer.told import Told, heard_this_stop, told_by

pytestmark = pytest.mark.once

IDLE = Timer(60_000, 60_000, TimerStatus.IDLE, None, 1)


def room(time_up_at):
    return SimpleNamespace(last_time_up_at_ms=time_up_at, completed=False)


def test_a_batch_tells_its_timer_its_time_up_and_the_status_its_last_room_event_says():
    before = Told(True, 60_000, 60_000, False, None)
    batch = Batch("ROOM", 7, IDLE, [("remaining-time", "0"), ("room", {"status": "IN_PROGRESS"}),
                                    ("room", {"status": "COMPLETED"})], time_up_at=5_000)
    assert told_by(batch, before) == Told(False, 60_000, 60_000, True, 5_000)
    todos = Batch("ROOM", 8, IDLE, [("todos", [])], time_up_at=5_000)
    assert told_by(todos, before._replace(completed=True)) == Told(False, 60_000, 60_000, True, 5_000)
    assert told_by(todos, None) == Told(False, 60_000, 60_000, False, 5_000)


def test_the_marker_crosses_processes_with_the_batch():
    batch = Batch("ROOM", 7, IDLE, [("remaining-time", "0")], time_up_at=5_000)
    assert Batch.from_json(batch.to_json()).time_up_at == 5_000
    old = batch.to_json().replace(',"timeUpAt":5000', "")  # from a process of before
    assert Batch.from_json(old).time_up_at is None


def test_the_same_stopped_timer_after_another_time_up_was_not_heard():
    told = Told(False, 60_000, 60_000, False, 5_000)
    assert heard_this_stop(told, room(5_000), IDLE)
    assert not heard_this_stop(told, room(9_000), IDLE)  # a whole turn or break missed
    assert not heard_this_stop(told._replace(running=True), room(5_000), IDLE)
    assert not heard_this_stop(told._replace(remaining_ms=30_000), room(5_000), IDLE)
    assert not heard_this_stop(None, room(5_000), IDLE)
