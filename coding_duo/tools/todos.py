"""The pair's todo list, in an order that survives any sequence of moves.

Order is a sparse integer ``position`` (ties broken by creation): adding appends
one gap after the last, a move takes the midpoint of its new neighbours, and
only when two neighbours have no integer left between them is the room's list
renumbered. The order is total and stable whatever happens.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..rooms.models import PairRoom
from ..web.errors import N_, BadRequest, NotFound
from .models import Todo, is_public_id

GAP = 1 << 16


def list_todos(room: PairRoom) -> list[Todo]:
    return list(db.session.execute(
        select(Todo).where(Todo.room_id == room.id)
        .order_by(Todo.position, Todo.created_at, Todo.id)).scalars())


def todos_json(room: PairRoom) -> list[dict]:
    """The list as events and GET show it (columns only, no ORM objects: a full room's
    500 todos are pushed on every change, and this is most of its cost)."""
    rows = db.session.execute(
        select(Todo.id, Todo.content, Todo.is_checked).where(Todo.room_id == room.id)
        .order_by(Todo.position, Todo.created_at, Todo.id))
    return [{"id": todo_id, "content": content, "isChecked": checked, "order": index}
            for index, (todo_id, content, checked) in enumerate(rows)]


def todo_json(todo: Todo, order: int) -> dict:
    return {"id": todo.id, "content": todo.content, "isChecked": todo.is_checked, "order": order}


def find_todo(todo_id: str) -> Todo:
    """The todo with this (unguessable) id, whatever room it is in; 404 if none
    or if its room was deleted."""
    todo = db.session.get(Todo, todo_id) if is_public_id(todo_id) else None
    if todo is None or todo.room.deleted:
        raise NotFound(N_("No such todo"))
    return todo


def current_todo(todo_id: str) -> Todo:
    """The todo read again under the room's lock, as it is now: a delete that won
    the race makes this a 404 (not a write to a row that is gone)."""
    todo = db.session.get(Todo, todo_id, populate_existing=True)
    if todo is None:
        raise NotFound(N_("No such todo (it was deleted)"))
    return todo


def add_todo(room: PairRoom, content: str) -> Todo:
    last = db.session.execute(
        select(func.max(Todo.position)).where(Todo.room_id == room.id)).scalar()
    todo = Todo(room_id=room.id, content=content, is_checked=False,
                position=(last or 0) + GAP)
    db.session.add(todo)
    return todo


def move_todo(todo: Todo, index: int) -> None:
    others = [t for t in list_todos(todo.room) if t.id != todo.id]
    if index > len(others):
        raise BadRequest(N_("order must be between 0 and %(max)s"), max=len(others))
    before = others[index - 1] if index > 0 else None
    after = others[index] if index < len(others) else None
    position = _between(before, after)
    if position is None:  # no room between the neighbours: spread the list out again
        for n, other in enumerate(others):
            other.position = (n + 1) * GAP
        position = _between(before, after)
    todo.position = position


def _between(before: Todo | None, after: Todo | None) -> int | None:
    if before is None and after is None:
        return GAP
    if before is None:
        return after.position - GAP
    if after is None:
        return before.position + GAP
    if after.position - before.position < 2:
        return None
    return (before.position + after.position) // 2
