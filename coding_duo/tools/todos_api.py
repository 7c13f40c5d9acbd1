"""The todo API (/api/{code}/todos, /api/todos/{id}/...)."""
from flask import jsonify

from ..extensions import db
from ..rooms.service import readable_room
from ..web.api import bp
from ..web.validation import parse_body
from .changes import changing
from .schemas import CreateTodo, EditTodo, MoveTodo
from .todos import add_todo, find_todo, list_todos, move_todo, todo_json, todos_json


@bp.get("/<code>/todos")
def get_todos(code):
    return jsonify(todos_json(readable_room(code)))


@bp.post("/<code>/todos")
def create_todo(code):
    room = readable_room(code)
    body = parse_body(CreateTodo)
    with changing(room, "todos"):
        todo = add_todo(room, body.content)
    return jsonify(todo_json(todo, len(list_todos(room)) - 1)), 201


@bp.patch("/todos/<todo_id>/contents")
def edit_todo(todo_id):
    todo = find_todo(todo_id)
    body = parse_body(EditTodo)
    with changing(todo.room, "todos"):
        todo.content = body.text
    return "", 204


@bp.patch("/todos/<todo_id>/checked")
def toggle_todo(todo_id):
    todo = find_todo(todo_id)
    with changing(todo.room, "todos"):
        db.session.refresh(todo)  # toggle what is stored now, not what we read before the lock
        todo.is_checked = not todo.is_checked
    return "", 204


@bp.patch("/todos/<todo_id>/order")
def reorder_todo(todo_id):
    todo = find_todo(todo_id)
    body = parse_body(MoveTodo)
    with changing(todo.room, "todos"):
        move_todo(todo, body.order)
    return "", 204


@bp.delete("/todos/<todo_id>")
def delete_todo(todo_id):
    todo = find_todo(todo_id)
    with changing(todo.room, "todos"):
        db.session.delete(todo)
    return "", 204
