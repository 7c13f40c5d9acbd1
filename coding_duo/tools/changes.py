"""Changing a room's todos, links or categories: one place that makes the change
under the room's lock, commits it, and pushes what changed to the room (small
``*-change`` events, see ``lists``; a new stream is sent the lists whole)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app
from sqlalchemy import func, select

from ..context import duo
from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import ensure_writable
from ..web.errors import N_, Conflict
from .lists import ListChanges
from .models import Category, ReferenceLink, Todo

CAPS = {  # what a room holds at most: the setting, and what the refusal says
    Todo: ("MAX_TODOS_PER_ROOM",
           N_("This room already has %(cap)s todos, the most a room can hold; delete some first")),
    ReferenceLink: ("MAX_LINKS_PER_ROOM",
                    N_("This room already has %(cap)s reference links, the most a room can hold; "
                       "delete some first")),
    Category: ("MAX_CATEGORIES_PER_ROOM",
               N_("This room already has %(cap)s categories, the most a room can hold; delete some first")),
}


@contextmanager
def changing(room: PairRoom):
    """``with changing(room) as lists: ...; lists.put(todo)`` -- with the room locked
    (in this process and in the database), refuse a closed room (409), make the
    change and say what it did (``put`` an item, ``remove`` one); then commit and send
    it to the room in every process. Changes are serialised per room and a room's
    events reach each stream in version order (a stream's snapshot is taken under
    the same lock, and a gap heals with the full lists), so the changes apply cleanly
    on top of what each screen has."""
    with duo().timers.room_change(room.access_code) as change:
        ensure_writable(change.room)
        lists = ListChanges()
        yield lists
        db.session.flush()
        for event, data in lists.events(change.room):
            change.emit(event, data)


def ensure_room_for(room: PairRoom, model) -> int:
    """409 when the room already holds as many of ``model`` as it may (called in
    ``changing``, under the room's lock, so racing adds cannot pass the cap); else
    how many it holds."""
    setting, refusal = CAPS[model]
    cap = current_app.config[setting]
    count = db.session.scalar(select(func.count()).select_from(model).where(model.room_id == room.id))
    if count >= cap:
        raise Conflict(refusal, cap=cap)
    return count
