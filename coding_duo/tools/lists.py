"""The room's lists as events: what a new stream is sent, and what a change to
one list pushes to every screen (the whole list, as it is after the change)."""
from __future__ import annotations

from ..rooms.models import PairRoom
from .references import categories_json, links_json
from .todos import todos_json

LISTS = {
    "todos": todos_json,
    "reference-links": links_json,
    "categories": categories_json,
}


def list_events(room: PairRoom) -> list[tuple[str, object]]:
    """Every list of the room, as events (part of the state a new stream gets)."""
    return [(event, build(room)) for event, build in LISTS.items()]
