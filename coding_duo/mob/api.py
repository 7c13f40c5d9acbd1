"""The roster, goal and breaks API (/api/pair-room/{code}/members, /rotate, /goal,
/breaks, /break/start, /break/skip)."""
from flask import jsonify

from ..rooms.service import load_room, readable_room, roster_of
from ..web.api import bp
from ..web.errors import N_, NotFound
from ..web.limits import list_writes
from ..web.validation import parse_body, parse_optional_body
from . import service
from .schemas import AddMember, BreakSettings, Rotate, SetGoal, StartBreak, UpdateMember


def _member_id(text: str) -> int:
    """A member id from the path: a small whole number, else no such member (404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise NotFound(N_("The room has no member %(id)s"), id=repr(text))
    return int(text)


@bp.get("/pair-room/<code>/members")
def list_members(code):
    return jsonify(members=roster_of(readable_room(code)))


@bp.post("/pair-room/<code>/members")
@list_writes
def add_member(code):
    room = load_room(code)
    body = parse_body(AddMember)
    return jsonify(service.add_member(room, body.name, body.position)), 201


@bp.patch("/pair-room/<code>/members/<member_id>")
@list_writes
def update_member(code, member_id):
    room = load_room(code)
    body = parse_body(UpdateMember)
    service.update_member(room, _member_id(member_id), body.name, body.away, body.position)
    return "", 204


@bp.delete("/pair-room/<code>/members/<member_id>")
@list_writes
def remove_member(code, member_id):
    room = load_room(code)
    service.remove_member(room, _member_id(member_id))
    return "", 204


@bp.patch("/pair-room/<code>/rotate")
def rotate(code):
    room = load_room(code)
    body = parse_optional_body(Rotate)
    service.rotate(room, body.driver)
    return "", 204


@bp.get("/pair-room/<code>/goal")
def get_goal(code):
    return jsonify(goal=readable_room(code).goal or "")


@bp.put("/pair-room/<code>/goal")
@list_writes
def set_goal(code):
    room = load_room(code)
    service.set_goal(room, parse_body(SetGoal).goal)
    return "", 204


@bp.delete("/pair-room/<code>/goal")
@list_writes
def clear_goal(code):
    service.set_goal(load_room(code), "")
    return "", 204


@bp.put("/pair-room/<code>/breaks")
def set_breaks(code):
    room = load_room(code)
    body = parse_body(BreakSettings)
    service.set_breaks(room, body.every, body.duration)
    return "", 204


@bp.patch("/pair-room/<code>/break/start")
def start_break(code):
    room = load_room(code)
    service.start_break(room, parse_optional_body(StartBreak).duration)
    return "", 204


@bp.patch("/pair-room/<code>/break/skip")
def skip_break(code):
    service.skip_break(load_room(code))
    return "", 204
