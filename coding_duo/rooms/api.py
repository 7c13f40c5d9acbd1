"""The pair-room API: create, exists, read, swap, status, delete (/api/pair-room),
and coduo's membership question (/api/member/{code}/exists)."""
from flask import jsonify, request

from ..context import duo
from ..web.api import bp
from ..web.limits import code_lookup, room_creation
from ..web.validation import parse_body, parse_optional_body
from . import access_code
from .schemas import CreateRoom, SwapRoles, UpdateStatus
from .service import create_room, load_room, readable_room, room_exists, room_json


@bp.post("/pair-room")
@room_creation
def create():
    body = parse_body(CreateRoom)
    room = create_room(body.names, body.timerDuration,
                       body.timerRemainingTime, body.missionUrl)
    return jsonify(accessCode=access_code.display(room.access_code)), 201


@bp.get("/pair-room/exists")
@code_lookup
def exists():
    return jsonify(exists=room_exists(request.args.get("access_code", "")))


@bp.get("/pair-room/<code>")
def get(code):
    room = readable_room(code)
    return jsonify(room_json(room, duo().timers.timer_for(room), duo().timers.clock()))


@bp.patch("/pair-room/<code>/pair-swap")
def swap(code):
    room = load_room(code)
    body = parse_optional_body(SwapRoles)
    duo().timers.swap(room, new=body.intent == "new")
    return "", 204


@bp.patch("/pair-room/<code>/status")
def status(code):
    room = load_room(code)
    body = parse_body(UpdateStatus)
    duo().timers.set_status(room, body.status)
    return "", 204


@bp.get("/member/<code>/exists")
@code_lookup
def member_exists(code):
    """coduo's "is this user in the room?": holding the room's link is membership
    here, so any existing room answers yes (an unknown one is a 404)."""
    readable_room(code)
    return jsonify(exists=True)


@bp.delete("/pair-room/<code>")
def delete(code):
    duo().timers.delete(load_room(code))
    return "", 204
