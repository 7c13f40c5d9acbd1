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


def completed_in(events, before: bool) -> bool:
    """Is the room completed after these events? Its last ``room`` event says (else as before)."""
    for event, data in reversed(events):
        if event == "room" and isinstance(data, dict) and "status" in data:
            return data["status"] == "COMPLETED"
    return before


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
