"""The todo API (/api/{code}/todos, /api/todos/{id}/...). Each change reads its
todo again under the room's lock: a racing delete makes the loser a 404."""
from flask import jsonify

from ..extensions import db
from ..rooms.service import readable_room
from ..web.api import bp
from ..web.limits import list_writes
from ..web.validation import parse_body
from .changes import changing, ensure_room_for
from .models import Todo
from .schemas import CreateTodo, EditTodo, MoveTodo
from .todos import add_todo, current_todo, find_todo, move_todo, todo_json, todos_json


@bp.get("/<code>/todos")
def get_todos(code):
    return jsonify(todos_json(readable_room(code)))


@bp.post("/<code>/todos")
@list_writes
def create_todo(code):
    room = readable_room(code)
    body = parse_body(CreateTodo)
    with changing(room) as lists:
        index = ensure_room_for(room, Todo)  # appended: after the ones there
        todo = add_todo(room, body.content)
        db.session.flush()
        lists.put(todo, index)
        created = todo_json(todo, index)  # before a racing delete can win
    return jsonify(created), 201


@bp.patch("/todos/<todo_id>/contents")
@list_writes
def edit_todo(todo_id):
    todo = find_todo(todo_id)
    body = parse_body(EditTodo)
    with changing(todo.room) as lists:
        todo = current_todo(todo_id)
        todo.content = body.text
        lists.put(todo)
    return "", 204


@bp.patch("/todos/<todo_id>/checked")
@list_writes
def toggle_todo(todo_id):
    todo = find_todo(todo_id)
    with changing(todo.room) as lists:
        todo = current_todo(todo_id)  # toggle what is stored now, not what we read before the lock
        todo.is_checked = not todo.is_checked
        lists.put(todo)
    return "", 204


@bp.patch("/todos/<todo_id>/order")
@list_writes
def reorder_todo(todo_id):
    todo = find_todo(todo_id)
    body = parse_body(MoveTodo)
    with changing(todo.room) as lists:
        todo = current_todo(todo_id)
        lists.put(todo, move_todo(todo, body.order))
    return "", 204


@bp.delete("/todos/<todo_id>")
@list_writes
def delete_todo(todo_id):
    todo = find_todo(todo_id)
    with changing(todo.room) as lists:
        todo = current_todo(todo_id)
        lists.remove(todo)
        db.session.delete(todo)
    return "", 204
