"""What a process's screens were told (coding_duo/timer/told.py), judged from the
events a batch carried or from the room a snapshot read."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from coding_duo.timer.domain import Timer, TimerStatus
from coding_duo.timer.told import Told, heard_this_stop, told_by

pytestmark = pytest.mark.once

IDLE = Timer(60_000, 60_000, TimerStatus.IDLE, None, 1)


def room(turns: int):
    return SimpleNamespace(turns_completed=turns, completed=False)


def test_a_batch_tells_the_turns_and_status_its_last_room_event_says():
    before = Told(True, 60_000, 60_000, False, 3)
    told = told_by([("remaining-time", "0"), ("room", {"status": "ACTIVE", "turnsCompleted": 4}),
                    ("room", {"status": "COMPLETED", "turnsCompleted": 5})], IDLE, before)
    assert told == Told(False, 60_000, 60_000, True, 5)
    assert told_by([("todos", [])], IDLE, before) == Told(False, 60_000, 60_000, False, 3)
    assert told_by([("todos", [])], IDLE, None) == Told(False, 60_000, 60_000, False, 0)


def test_the_same_stopped_timer_a_turn_later_was_not_heard():
    told = Told(False, 60_000, 60_000, False, 3)
    assert heard_this_stop(told, room(3), IDLE)
    assert not heard_this_stop(told, room(4), IDLE)  # a whole turn missed: its "0" is news
    assert not heard_this_stop(told._replace(running=True), room(3), IDLE)
    assert not heard_this_stop(told._replace(remaining_ms=30_000), room(3), IDLE)
    assert not heard_this_stop(None, room(3), IDLE)
