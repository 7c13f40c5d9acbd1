"""The pair's todo list, in an order that survives any sequence of moves.

Order is a sparse integer ``position`` (ties broken by creation): adding appends
one gap after the last, a move takes the midpoint of its new neighbours, and
only when two neighbours have no integer left between them is the room's list
renumbered. The order is total and stable whatever happens.
"""
from __future__ import annotations

from sqlalchemy import func, select, update

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
    """A new todo after the last (its index is the count of todos before it)."""
    last = db.session.execute(
        select(func.max(Todo.position)).where(Todo.room_id == room.id)).scalar()
    todo = Todo(room_id=room.id, content=content, is_checked=False,
                position=(last or 0) + GAP)
    db.session.add(todo)
    return todo


def move_todo(todo: Todo, index: int) -> int:
    """Put ``todo`` at ``index`` of its room's list; returns that index. Reads the
    others' ids and positions only (columns, not objects: a move in a long list runs
    under the room's row lock, which the time-ups wait for)."""
    others = [(todo_id, position) for todo_id, position in db.session.execute(
        select(Todo.id, Todo.position).where(Todo.room_id == todo.room_id)
        .order_by(Todo.position, Todo.created_at, Todo.id)) if todo_id != todo.id]
    if index > len(others):
        raise BadRequest(N_("order must be between 0 and %(max)s"), max=len(others))
    position = _between(others, index)
    if position is None:  # no room between the neighbours: spread the list out again
        others = [(todo_id, (n + 1) * GAP) for n, (todo_id, _) in enumerate(others)]
        db.session.execute(update(Todo), [{"id": todo_id, "position": position}
                                          for todo_id, position in others])
        position = _between(others, index)
    todo.position = position
    return index


def _between(others: list[tuple[str, int]], index: int) -> int | None:
    """A position that puts a todo at ``index`` of ``others`` ((id, position) in
    order), or None when its neighbours have no integer between them."""
    before = others[index - 1][1] if index > 0 else None
    after = others[index][1] if index < len(others) else None
    if before is None and after is None:
        return GAP
    if before is None:
        return after - GAP
    if after is None:
        return before + GAP
    if after - before < 2:
        return None
    return (before + after) // 2
