"""What a process's screens of a room were last told of its timer, and what a resync
must therefore say that its state events do not (``Delivery.resync``)."""
from __future__ import annotations

from typing import NamedTuple


class Told(NamedTuple):
    """What a process's screens of a room were last told of its timer."""
    running: bool
    duration_ms: int
    remaining_ms: int  # what a timer not running shows
    completed: bool
    # The room's last time-up (turn or break) as they heard it: the same stopped timer
    # after another time-up (a whole turn, or a whole break, missed) is news to them.
    time_up_at: int | None


def told_by(batch, before: "Told | None") -> Told:
    """What a batch tells the screens of the room: its timer and time-up marker, and
    whether the room is completed, as its last ``room`` event says (else as before)."""
    completed = before is not None and before.completed
    for event, data in reversed(batch.events):
        if event == "room" and isinstance(data, dict) and "status" in data:
            completed = data["status"] == "COMPLETED"
            break
    timer = batch.timer
    return Told(timer.running, timer.duration_ms, timer.remaining_ms, completed, batch.time_up_at)


def told_of(timer, room) -> Told:
    """What a snapshot or a resync of ``room`` tells its screens."""
    return Told(timer.running, timer.duration_ms, timer.remaining_ms, room.completed,
                room.last_time_up_at_ms)


def heard_this_stop(told: Told | None, room, timer) -> bool:
    """Were the screens told this very stopped timer already, after this very time-up?
    Then a time-up's "0" in a resync's state would end the turn on coduo's client a
    second time. (The same stopped timer after a later time-up is one they missed.)"""
    return told is not None and not told.running and (
        told.duration_ms, told.remaining_ms, told.time_up_at) == (
        timer.duration_ms, timer.remaining_ms, room.last_time_up_at_ms)


def missed_events(told: Told | None, room, timer, time_up: bool) -> list[tuple[str, object]]:
    """What the room's screens missed that the state events do not say, as the batches
    would have: coduo's client reloads the timer only on ``timer`` ``update`` and shows
    its retrospective only on ``complete``. ``time_up``: the state says a time-up."""
    missed: list[tuple[str, object]] = []
    if told is None:
        return missed
    # A new length is an update whether or not the timer runs (and after a time-up);
    # a time left that changed, only of a timer not running (a running one is ticked).
    if told.duration_ms != timer.duration_ms or (not timer.running and not time_up and (
            told.running or told.remaining_ms != timer.remaining_ms)):
        missed.append(("timer", "update"))
    if room.completed and not told.completed:
        missed.append(("timer", "complete"))
    return missed
