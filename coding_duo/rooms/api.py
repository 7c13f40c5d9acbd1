"""The pair-room API: create, exists, read, swap, status, delete (/api/pair-room)."""
from flask import jsonify, request

from ..context import duo
from ..web.api import bp
from ..web.limits import code_lookup, room_creation
from ..web.validation import parse_body
from . import access_code
from .schemas import CreateRoom, UpdateStatus
from .service import create_room, load_room, readable_room, room_exists, room_json


@bp.post("/pair-room")
@room_creation
def create():
    body = parse_body(CreateRoom)
    room = create_room(body.driver, body.navigator, body.timerDuration,
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
    duo().timers.swap(load_room(code))
    return "", 204


@bp.patch("/pair-room/<code>/status")
def status(code):
    room = load_room(code)
    body = parse_body(UpdateStatus)
    duo().timers.set_status(room, body.status)
    return "", 204


@bp.delete("/pair-room/<code>")
def delete(code):
    duo().timers.delete(load_room(code))
    return "", 204
