"""Changing a room's todos, links or categories: one place that makes the change
under the room's lock, commits it, and pushes the new full lists to the room."""
from __future__ import annotations

from contextlib import contextmanager

from .extensions import db
from .models import PairRoom
from .references import categories_json, links_json
from .rooms import ensure_writable
from .services import duo
from .todos import todos_json

LISTS = {
    "todos": todos_json,
    "reference-links": links_json,
    "categories": categories_json,
}


def list_events(room: PairRoom) -> list[tuple[str, object]]:
    """Every list of the room, as events (part of the state a new stream gets)."""
    return [(event, build(room)) for event, build in LISTS.items()]


@contextmanager
def changing(room: PairRoom, *events: str):
    """``with changing(room, "todos"): ...`` -- refuse a closed room (409), make the
    change, commit, then broadcast the named lists. Lists are read and sent under
    the lock, so the last event a browser gets is always the latest state."""
    ensure_writable(room)
    d = duo()
    with d.locks(room.access_code):
        yield
        db.session.commit()
        for event in events:
            d.streams.broadcast(room.access_code, event, LISTS[event](room))
