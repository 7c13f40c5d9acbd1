"""Changing a room's todos, links or categories: one place that makes the change
under the room's lock, commits it, and pushes the new full lists to the room."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app
from sqlalchemy import func, select

from ..context import duo
from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import ensure_writable
from ..web.errors import Conflict
from .lists import LISTS
from .models import Category, ReferenceLink, Todo

CAPS = {  # what a room holds at most: the setting, and what the message calls them
    Todo: ("MAX_TODOS_PER_ROOM", "todos"),
    ReferenceLink: ("MAX_LINKS_PER_ROOM", "reference links"),
    Category: ("MAX_CATEGORIES_PER_ROOM", "categories"),
}


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


def ensure_room_for(room: PairRoom, model) -> None:
    """409 when the room already holds as many of ``model`` as it may (called in
    ``changing``, under the room's lock, so racing adds cannot pass the cap)."""
    setting, noun = CAPS[model]
    cap = current_app.config[setting]
    count = db.session.scalar(select(func.count()).select_from(model).where(model.room_id == room.id))
    if count >= cap:
        raise Conflict(f"This room already has {cap} {noun}, the most a room can hold; "
                       "delete some first")
