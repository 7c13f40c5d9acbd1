"""Changing a room's todos, links or categories: one place that makes the change
under the room's lock, commits it, and pushes the new full lists to the room."""
from __future__ import annotations

from contextlib import contextmanager

from ..context import duo
from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import ensure_writable
from .lists import LISTS


@contextmanager
def changing(room: PairRoom, *events: str):
    """``with changing(room, "todos"): ...`` -- with the room locked (in this process
    and in the database), refuse a closed room (409), make the change, then send
    the named lists, as they are after it, to the room in every process. Changes
    are serialised per room, so the last list a browser gets is the latest."""
    with duo().timers.room_change(room.access_code) as change:
        ensure_writable(change.room)
        yield
        db.session.flush()
        for event in events:
            change.emit(event, LISTS[event](change.room))
