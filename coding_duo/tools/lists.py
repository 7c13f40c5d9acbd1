"""The room's lists as events. A new stream (and a resync) is sent each list whole
(``todos``, ``reference-links``, ``categories``); a change sends only what changed,
as a ``*-change`` event of that list:

- ``{"op": "put", "index": n, "item": {...}}``: the item (new, edited or moved) is at
  index ``n`` of its list now: remove the one with its id (if any), insert it there;
- ``{"op": "remove", "id": "..."}``: the item is gone.

Positions are list indexes (a todo's ``order`` is its index: after applying, every
todo's ``order`` is its new index). A category's ``put`` renames it in every link of
that ``categoryId`` too (their ``categoryName``), and its ``remove`` leaves its links
without a category: link events are not sent for those.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..rooms.models import PairRoom
from .models import Category, ReferenceLink, Todo
from .references import categories_json, category_json, link_json, links_json
from .todos import todo_json, todos_json

LISTS = {
    "todos": todos_json,
    "reference-links": links_json,
    "categories": categories_json,
}

CHANGES = {  # model -> its change event, its item as JSON at an index, its list's order
    Todo: ("todos-change", todo_json, (Todo.position, Todo.created_at, Todo.id)),
    ReferenceLink: ("reference-links-change", lambda link, _: link_json(link),
                    (ReferenceLink.created_at, ReferenceLink.id)),
    Category: ("categories-change", lambda category, _: category_json(category),
               (Category.created_at, Category.id)),
}


def list_events(room: PairRoom) -> list[tuple[str, object]]:
    """Every list of the room, whole, as events (part of the state a new stream gets)."""
    return [(event, build(room)) for event, build in LISTS.items()]


class ListChanges:
    """What one change did to the room's lists (``put`` an item as it is after the
    change, ``remove`` one), turned into ``*-change`` events once it is flushed.
    ``kinds``: the lists it knows (default the todos, links and categories; the
    retrospectives and the turn history bring their own, in the same shape)."""

    def __init__(self, kinds: dict | None = None):
        self._kinds = CHANGES if kinds is None else kinds
        self._changes: list[tuple[type, str, object]] = []

    def put(self, item, index: int | None = None) -> None:
        """``index``: where the item is now, when the change knows it (a move, an
        append); otherwise it is read after the flush."""
        self._changes.append((type(item), item.id, item, index))

    def remove(self, item) -> None:
        self._changes.append((type(item), item.id, None, None))

    def events(self, room: PairRoom) -> list[tuple[str, dict]]:
        """The events, read after the change was flushed (an item's index among the
        room's items as they are now, unless the change gave it: only ids are read,
        not the list)."""
        events = []
        for model, item_id, item, index in self._changes:
            event, as_json, order = self._kinds[model]
            if item is None:
                events.append((event, {"op": "remove", "id": item_id}))
                continue
            if index is None:
                ids = db.session.execute(
                    select(model.id).where(model.room_id == room.id).order_by(*order)).scalars().all()
                index = ids.index(item_id)
            events.append((event, {"op": "put", "index": index, "item": as_json(item, index)}))
        return events
